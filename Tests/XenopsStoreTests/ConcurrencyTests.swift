import Testing
import XenopsStore

@Suite("Concurrency")
struct ConcurrencyTests {
    static let taskCount = 8
    static let roundsPerTask = 15

    @Test("many tasks writing and reading one store at once, on disk and in memory", arguments: [true, false])
    func manyTasks(onDisk: Bool) async throws {
        let dir = try TemporaryDirectory()
        let store = try onDisk ? VMStore(path: dir.file("state.db")) : VMStore.inMemory()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<Self.taskCount {
                group.addTask {
                    let id = "vm-\(task)"
                    for round in 0..<Self.roundsPerTask {
                        try store.put(Fixtures.vm(id, config: #"{"round":\#(round)}"#, devices: [Fixtures.vbd("xvda")]))
                        try store.putDevice(vmID: id, Fixtures.vbd("xvd\(round)"))
                        try store.setRuntime(vmID: id, #"{"round":\#(round)}"#)
                        // A reader always sees whole VMs: a put and its devices, never half of one.
                        for vm in try store.loadAll() {
                            #expect(vm.devices.contains(Fixtures.vbd("xvda")))
                            #expect(vm.devices.count <= 2)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }

        let all = try store.loadAll()
        #expect(all.count == Self.taskCount)
        let last = Self.roundsPerTask - 1
        for vm in all {
            #expect(vm.config == #"{"round":\#(last)}"#)
            #expect(vm.runtime == #"{"round":\#(last)}"#)
            #expect(Set(vm.devices) == [Fixtures.vbd("xvda"), Fixtures.vbd("xvd\(last)")])
        }
        try store.close()
    }
}

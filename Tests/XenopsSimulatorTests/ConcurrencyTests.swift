import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator
import XenopsTestSupport

@Suite("Many concurrent callers")
struct ConcurrencyTests {
    @Test("100 concurrent createDomain calls all succeed with distinct domids", arguments: [false, true])
    func hundredCreates(persistent: Bool) async throws {
        try await withTemporaryDirectory { dir in
            let config = SimulatorConfiguration(
                hostMemoryBytes: 64 << 30, statePath: persistent ? dir.file("state.json") : nil, stepLatency: .milliseconds(1))
            try await withSimulator(config) { sim in
                let specs = (0..<100).map { makeSpec(name: "vm\($0)", memory: 128 << 20) }
                let domids = try await withThrowingTaskGroup(of: Int.self) { group in
                    for spec in specs { group.addTask { try await sim.createDomain(spec).domid } }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(domids.count == 100)
                #expect(Set(domids) == Set(1...100))
                #expect(try await sim.listDomains().count == 101)
                if persistent {
                    let reloaded = try SimulatedHypervisor(configuration: config)
                    #expect(try await reloaded.listDomains().count == 101)
                    await reloaded.close()
                }
            }
        }
    }

    @Test("100 VMs go through a whole life at once: create, unpause, clean shutdown, destroy")
    func hundredLifecycles() async throws {
        try await withSimulator(SimulatorConfiguration(hostMemoryBytes: 64 << 30)) { sim in
            let log = ConformanceEventLog(hypervisor: sim)
            let specs = (0..<100).map { _ in makeSpec(memory: 128 << 20) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for spec in specs {
                    group.addTask {
                        let vm = spec.vm.id
                        _ = try await sim.createDomain(spec)
                        try await sim.unpause(vm: vm)
                        try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 10)
                        let reason = try await sim.waitForShutdown(vm: vm, timeout: 10)
                        #expect(reason == .poweroff)
                        try await sim.destroy(vm: vm)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await sim.listDomains().count == 1)
            #expect(try await sim.freeMemoryBytes() == (64 << 30) - (1 << 30))
            _ = try await log.wait(for: "all deaths", timeout: 5) { _ in log.all.filter(\.isDied).count == 100 }
            for spec in specs {
                let mine = events(log, about: spec.vm.id).filter { $0.isShutdown || $0.isDied }
                #expect(mine.count == 2 && mine[0].isShutdown && mine[1].isDied, "\(mine)")
            }
            // The history keeps each VM's calls in the order they were made.
            for spec in specs {
                #expect(sim.calls(for: spec.vm.id).map(\.operation) == [.createDomain, .unpause, .requestShutdown, .destroy])
            }
        }
    }
}

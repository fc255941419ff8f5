import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine

@Suite("Daemon restart: adoption and reconciliation")
struct RestartTests {
    @Test func everythingIsAdoptedAndUnmanagedDomainsUntouched() async throws {
        let f = try await EngineFixture.make()
        let running = try await f.running()
        let paused = try await f.define()
        try await f.succeed(.start(force: false), paused)
        let halted = try await f.define()
        let outsider = "99999999-0000-0000-0000-000000000002"
        try f.simulator.createUnmanagedDomain(uuid: outsider, name: "made-by-xl", memory: 64 << 20)
        let before = try await f.engine.listVMs()

        let g = try await f.restarted()
        defer { Task { await g.cleanup() } }
        let after = try await g.engine.listVMs()
        #expect(after.map(\.0.id) == before.map(\.0.id))
        for ((vmA, stateA), (vmB, stateB)) in zip(before, after) {
            #expect(vmA == vmB)
            #expect(stateA.powerState == stateB.powerState)
            #expect(stateA.domids == stateB.domids)
        }
        #expect(try await g.power(running) == .running)
        #expect(try await g.power(paused) == .paused)
        #expect(try await g.power(halted) == .halted)
        #expect(!g.engine.vmExists(outsider))
        #expect(g.backend.calls.isEmpty, "a restart must not change any domain: \(g.backend.calls)")
        let domains = try await g.simulator.listDomains()
        #expect(domains.contains { $0.uuid == outsider })

        // A client connecting after the restart gets every VM and device.
        let snapshot = g.engine.updates.snapshot(from: nil).ids
        for vm in [running, paused, halted] {
            #expect(snapshot.contains(.vm(vm)))
            #expect(snapshot.contains(.vbd(DeviceID(vm: vm, name: "xvda"))))
        }
        // And the adopted VMs can be operated on.
        try await g.succeed(.shutdown(delay: 5), running)
        #expect(try await g.power(running) == .halted)
    }

    @Test func shutdownWhileDaemonWasDownIsAppliedOnRestart() async throws {
        let f = try await EngineFixture.make()
        let vm = try await f.running(onShutdown: [.shutdown])
        await f.engine.close(timeout: .seconds(1))
        // The guest powers off while no daemon watches.
        try await f.simulator.debugTrigger("halt", args: [vm])
        try await Task.sleep(for: .milliseconds(100))
        let g = try await f.restarted()
        defer { Task { await g.cleanup() } }
        #expect(try await g.eventually { try await g.power(vm) == .halted && g.backend.calls(for: vm) == ["destroy"] })
    }
}

import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator

@Suite("History and unmanaged domains")
struct HistoryAndUnmanagedTests {
    @Test("the history lists mutating calls in order with their VM, including failed ones, but no reads")
    func history() async throws {
        try await withSimulator { sim in
            let spec = makeSpec()
            let vm = spec.vm.id
            _ = try await sim.createDomain(spec)
            _ = try await sim.listDomains()
            _ = try await sim.domainInfo(vm: vm)
            try await sim.plugVBD(vm: vm, disk(vm, "xvdb", "/b"))
            await #expect(throws: BackendError.self) { try await sim.setVcpus(vm: vm, count: 9) }
            try await sim.destroy(vm: vm)
            #expect(sim.history() == ["createDomain \(vm)", "plugVBD \(vm) xvdb", "setVcpus \(vm) 9", "destroy \(vm)"])
            sim.clearHistory()
            #expect(sim.history().isEmpty)
        }
    }

    @Test("the history is bounded")
    func bounded() async throws {
        try await withSimulator(SimulatorConfiguration(historyLimit: 10)) { sim in
            let spec = makeSpec()
            _ = try await sim.createDomain(spec)
            for n in 0..<100 { try await sim.setXSData(vm: spec.vm.id, ["k": String(n)]) }
            let calls = sim.calls()
            #expect(calls.count <= 13 && calls.count >= 10)
        }
    }

    @Test("an unmanaged domain is listed as made by xl, running, and never appears in the history")
    func unmanaged() async throws {
        try await withSimulator { sim in
            let uuid = "aaaaaaaa-0000-0000-0000-000000000001"
            let info = try sim.createUnmanagedDomain(uuid: uuid, name: "legacy", memory: 512 << 20, vcpus: 2)
            #expect(info.creator == "xl")
            #expect(info.state == .running)
            #expect(info.domid == 1)
            #expect(info.vcpusOnline == 2)
            #expect(try await sim.listDomains().map(\.uuid).contains(uuid))
            #expect(throws: BackendError.xenops(.alreadyExists(namespace: "domain", path: uuid))) {
                try sim.createUnmanagedDomain(uuid: uuid, name: "again", memory: 1 << 20)
            }
            let paused = try sim.createUnmanagedDomain(name: "paused", memory: 64 << 20, paused: true)
            #expect(paused.state == .paused)
            #expect(paused.domid == 2)
            #expect(sim.history().isEmpty)
            #expect(sim.calls(for: uuid).isEmpty)
        }
    }
}

import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator
import XenopsTestSupport

@Suite("Persistence across a daemon restart")
struct PersistenceTests {
    @Test("domains, devices and the domid counter outlive the simulator object")
    func survivesRestart() async throws {
        try await withTemporaryDirectory { dir in
            let config = SimulatorConfiguration(statePath: dir.file("sim/state.json"))
            var spec = makeSpec(name: "db", vcpus: 1, vcpuMax: 4)
            let vm = spec.vm.id
            spec.vbds = [disk(vm, "xvda", "/dev/vg/db"), disk(vm, "xvdd", nil, kind: .cdrom)]
            spec.vifs = [nic(vm, "0")]
            let other = makeSpec()
            let unmanagedUUID = "11111111-2222-3333-4444-555555555555"

            var sim: SimulatedHypervisor? = try SimulatedHypervisor(configuration: config)
            let first = try #require(sim)
            _ = try await first.createDomain(spec)
            _ = try await first.createDomain(other)
            try first.createUnmanagedDomain(uuid: unmanagedUUID, name: "xl-made", memory: 128 << 20)
            try await first.unpause(vm: vm)
            try await first.setVcpus(vm: vm, count: 3)
            try await first.setMemoryTarget(vm: vm, bytes: 200 << 20)
            try await first.insertMedia(vm: vm, vbd: "xvdd", disk: .vdi("sr/iso"))
            try await first.setCarrier(vm: vm, vif: "0", carrier: false)
            try first.simulateGuestShutdown(vm: other.vm.id, reason: .crash)
            let before = try await first.listDomains()
            await first.close()
            sim = nil

            let second = try SimulatedHypervisor(configuration: config)
            let after = try await second.listDomains()
            #expect(after.map(\.uuid) == before.map(\.uuid))
            #expect(after.map(\.domid) == [0, 1, 2, 3])
            let db = try #require(after.first { $0.uuid == vm })
            #expect(db.state == .running)
            #expect(db.vcpusOnline == 3)
            #expect(db.memoryTarget == 200 << 20)
            #expect(db.devices.vbds == ["xvda": .local("/dev/vg/db"), "xvdd": .vdi("sr/iso")])
            #expect(db.devices.vifs == ["0": false])
            #expect(db.creator == "xenopsd-ng")
            #expect(after.first { $0.uuid == other.vm.id }?.state == .shutdown(.crash))
            #expect(after.first { $0.uuid == unmanagedUUID }?.creator == "xl")
            #expect(try await second.freeMemoryBytes() == (try await firstFree(config, before)))
            // Domids continue after the restart.
            #expect(try await second.createDomain(makeSpec()).domid == 4)
            // A destroy is persisted too.
            try await second.destroy(vm: vm)
            await second.close()
            let third = try SimulatedHypervisor(configuration: config)
            #expect(try await third.domainInfo(vm: vm) == nil)
            #expect(try await third.listDomains().count == 4)
            await third.close()
            // The atomic write leaves no temporary files behind.
            let files = try FileManager.default.contentsOfDirectory(atPath: dir.file("sim"))
            #expect(files == ["state.json"])
        }
    }

    /// Free memory implied by the listed domains (dom0 excluded).
    private func firstFree(_ config: SimulatorConfiguration, _ domains: [DomainInfo]) async throws -> Int64 {
        config.hostMemoryBytes - config.dom0MemoryBytes - domains.filter { $0.domid != 0 }.reduce(0) { $0 + $1.memoryMax }
    }

    @Test("a corrupt state file makes init throw a clear error", arguments: [
        "{ not json", #"{"format":"something-else","version":1,"nextDomid":1,"hostBootTime":0,"domains":{}}"#,
        #"{"format":"xenopsd-ng-simulator-state","version":99,"nextDomid":1,"hostBootTime":0,"domains":{}}"#,
        #"{"format":"xenopsd-ng-simulator-state","version":1,"hostBootTime":0,"domains":{}}"#,
    ])
    func corrupt(_ content: String) async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.file("state.json")
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            let error = #expect(throws: SimulatorStateError.self) { try SimulatedHypervisor(configuration: SimulatorConfiguration(statePath: path)) }
            guard case .corrupt(let p, _)? = error else { Issue.record("unexpected \(String(describing: error))"); return }
            #expect(p == path)
            #expect(error?.description.contains("Move it aside") == true)
        }
    }

    @Test("duplicate domids in the state file are rejected")
    func duplicateDomids() async throws {
        try await withTemporaryDirectory { dir in
            let path = dir.file("state.json")
            let first = try SimulatedHypervisor(configuration: SimulatorConfiguration(statePath: path))
            _ = try await first.createDomain(makeSpec())
            _ = try await first.createDomain(makeSpec())
            await first.close()
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text = text.replacingOccurrences(of: "\"domid\" : 2", with: "\"domid\" : 1")
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let error = #expect(throws: SimulatorStateError.self) { try SimulatedHypervisor(configuration: SimulatorConfiguration(statePath: path)) }
            #expect(error?.description.contains("domid 1 is used twice") == true, "\(String(describing: error))")
        }
    }

    @Test("a domain that was dying when the process stopped is gone after the restart")
    func dyingIsFinished() async throws {
        try await withTemporaryDirectory { dir in
            let config = SimulatorConfiguration(statePath: dir.file("state.json"), operationLatency: [.destroy: .seconds(60)])
            let first = try SimulatedHypervisor(configuration: config)
            let spec = makeSpec()
            _ = try await first.createDomain(spec)
            let destroy = Task { try await first.destroy(vm: spec.vm.id) }
            #expect(try await eventually { try await first.domainInfo(vm: spec.vm.id)?.state == .dying })
            // The state file is written just after the change (group commit): wait for it.
            #expect(try await eventually { (try? String(contentsOfFile: dir.file("state.json"), encoding: .utf8))?.contains("dying") == true })
            // Simulate the daemon dying mid-destroy: read the file with a second simulator.
            let second = try SimulatedHypervisor(configuration: config)
            #expect(try await second.domainInfo(vm: spec.vm.id) == nil)
            destroy.cancel()
            _ = await destroy.result
            await first.close()
            await second.close()
        }
    }

    @Test("an unwritable state file fails the operation and rolls the change back")
    func unwritable() async throws {
        try await withTemporaryDirectory { dir in
            // A directory where the file should be makes every write fail.
            let path = dir.file("state.json")
            let sim = try SimulatedHypervisor(configuration: SimulatorConfiguration(statePath: path))
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            let spec = makeSpec()
            let error = await #expect(throws: BackendError.self) { try await sim.createDomain(spec) }
            #expect(error?.description.contains("state file") == true, "\(String(describing: error))")
            #expect(try await sim.domainInfo(vm: spec.vm.id) == nil)
            await sim.close()
        }
    }
}

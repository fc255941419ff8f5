import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine

@Suite("VM lifecycle on the simulator")
struct LifecycleTests {
    @Test func startLeavesPausedAndUnpauseRuns() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        #expect(try await f.power(vm) == .halted)
        try await f.succeed(.start(force: false), vm)
        #expect(try await f.power(vm) == .paused)
        let (_, state) = try await f.engine.statVM(vm)
        #expect(state.domids.count == 1)
        #expect(state.domainType == .pv)
        #expect(state.lastStartTime > 0)
        #expect(state.memoryLimit > 0)
        try await f.succeed(.unpause, vm)
        #expect(try await f.power(vm) == .running)
        try await f.succeed(.pause, vm)
        #expect(try await f.power(vm) == .paused)
        try await f.succeed(.unpause, vm)
        #expect(try await f.power(vm) == .running)
    }

    @Test func startOfRunningVMFailsWithBadPowerState() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        #expect(try await f.failure(.start(force: false), vm) == .badPowerState(found: .running, expected: .halted))
        #expect(try await f.failure(.unpause, try await f.define()) == .badPowerState(found: .halted, expected: .paused))
    }

    @Test func cleanShutdownAcknowledgedByGuest() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        try await f.succeed(.shutdown(delay: 5), vm)
        #expect(try await f.power(vm) == .halted)
        #expect(f.backend.calls(for: vm).contains("request-poweroff"))
        #expect(try await f.engine.statVM(vm).1.domids.isEmpty)
    }

    @Test func hardShutdownNeedsNoGuest() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        f.simulator.setGuestBehaviour(.refuseAck, for: vm)
        try await f.succeed(.shutdown(delay: nil), vm)
        #expect(try await f.power(vm) == .halted)
        #expect(!f.backend.calls(for: vm).contains("request-poweroff"))
    }

    @Test func cleanShutdownRefusedLeavesVMRunning() async throws {
        let f = try await EngineFixture.make(ackTimeout: 0.3)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        f.simulator.setGuestBehaviour(.refuseAck, for: vm)
        #expect(try await f.failure(.shutdown(delay: 5), vm) == .failedToAcknowledgeShutdownRequest)
        #expect(try await f.power(vm) == .running)
        // The hard shutdown repairs it.
        try await f.succeed(.shutdown(delay: nil), vm)
        #expect(try await f.power(vm) == .halted)
    }

    @Test func guestThatHangsFailsToShutdown() async throws {
        let f = try await EngineFixture.make(ackTimeout: 0.3)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        f.simulator.setGuestBehaviour(.ackButHang, for: vm)
        let error = try await f.failure(.shutdown(delay: 0.5), vm)
        guard case .failedToShutdown(let id, _)? = error else {
            Issue.record("expected Failed_to_shutdown, got \(String(describing: error))")
            return
        }
        #expect(id == vm)
    }

    @Test func cleanRebootGivesNewDomainSameVM() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let before = try await f.engine.statVM(vm).1.domids
        try await f.succeed(.reboot(delay: 5), vm)
        let (_, after) = try await f.engine.statVM(vm)
        #expect(after.powerState == .running)
        #expect(after.domids != before)
        #expect(f.backend.calls(for: vm).contains("request-reboot"))
    }

    @Test func hardReboot() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let before = try await f.engine.statVM(vm).1.domids
        try await f.succeed(.reboot(delay: nil), vm)
        let after = try await f.engine.statVM(vm).1
        #expect(after.powerState == .running)
        #expect(after.domids != before)
    }

    @Test func rebootOfHaltedVMIsRefused() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        #expect(try await f.failure(.reboot(delay: 1), vm) == .badPowerState(found: .halted, expected: .running))
        #expect(try await f.failure(.shutdown(delay: nil), vm) == .badPowerState(found: .halted, expected: .running))
    }

    @Test func destroyAndRemove() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        await #expect(throws: XenopsError.badPowerState(found: .running, expected: .halted)) {
            try await f.engine.removeVM(vm, debugInfo: "t")
        }
        #expect(f.engine.vmExists(vm))
        try await f.succeed(.destroy, vm)
        #expect(try await f.power(vm) == .halted)
        try await f.engine.removeVM(vm, debugInfo: "t")
        #expect(!f.engine.vmExists(vm))
        await #expect(throws: XenopsError.doesNotExist(namespace: "VM", path: "\(vm)/config")) {
            _ = try await f.engine.statVM(vm)
        }
    }

    @Test func operationOnUnknownVMFailsInTheTask() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let id = "00000000-0000-0000-0000-000000000bad"
        #expect(try await f.failure(.start(force: false), id) == .doesNotExist(namespace: "VM", path: "\(id)/config"))
    }

    @Test func addVMTwiceIsAlreadyExists() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = VM(id: "11111111-2222-3333-4444-555555555555", ty: .pvh(PVInfo(boot: .direct(DirectBoot(kernel: "/k")))), memoryStaticMax: 128 << 20)
        _ = try await f.engine.addVM(vm, debugInfo: "t")
        await #expect(throws: XenopsError.alreadyExists(namespace: "VM", path: "\(vm.id)/config")) {
            _ = try await f.engine.addVM(vm, debugInfo: "t")
        }
    }

    @Test func importOverwritesAndCollectsDevices() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        var md = try f.engine.exportMetadata(vm)
        #expect(md.vbds.count == 2)
        #expect(md.vm.platformdata["featureset"] != nil, "import adds the host featureset")
        md.vbds.removeAll { $0.id.name == "xvdd" }
        md.vm.name = "renamed"
        md.vbds.append(VBD(id: DeviceID(vm: vm, name: "hdb"), backend: .local("/dev/sdb")))
        _ = try await f.engine.importMetadata(md, debugInfo: "t")
        let again = try f.engine.exportMetadata(vm)
        #expect(again.vm.name == "renamed")
        #expect(Set(again.vbds.map(\.id.name)) == ["xvda", "xvdb"], "xvdd collected, hdb upgraded to xvdb")
    }

    @Test func setVcpusAndMemory() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        try await f.succeed(.setVcpus(2), vm)
        #expect(try await f.engine.statVM(vm).1.vcpuTarget == 2)
        #expect(try await f.failure(.setVcpus(3), vm) == .invalidVcpus(3))
        try await f.succeed(.setMemoryDynamicRange(min: 128 << 20, max: 200 << 20), vm)
        let (config, state) = try await f.engine.statVM(vm)
        #expect(config.memoryDynamicMax == 200 << 20)
        #expect(state.memoryTarget == 200 << 20)
    }

    @Test func notEnoughMemoryIsReported() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define(memoryMiB: 1 << 30)  // 1 PiB
        guard case .notEnoughMemory? = try await f.failure(.start(force: false), vm) else {
            Issue.record("expected Not_enough_memory")
            return
        }
        #expect(try await f.power(vm) == .halted)
    }
}

@Suite("Suspend to a file and resume")
struct SuspendResumeTests {
    @Test func suspendThenResumeKeepsTheVM() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        try await f.succeed(.setVcpus(2), vm)
        let image = f.directory + "/\(vm).suspend"
        let before = try await f.engine.statVM(vm).1.domids
        try await f.succeed(.suspend(.local(image)), vm)
        #expect(try await f.power(vm) == .suspended)
        #expect(FileManager.default.fileExists(atPath: image))
        #expect(try await f.failure(.start(force: false), vm) == .badPowerState(found: .suspended, expected: .halted))
        try await f.succeed(.resume(.local(image)), vm)
        #expect(try await f.power(vm) == .paused, "a resumed domain is left paused, as in xenopsd")
        try await f.succeed(.unpause, vm)
        let after = try await f.engine.statVM(vm).1
        #expect(after.powerState == .running)
        #expect(after.domids != before)
        #expect(after.vcpuTarget == 2, "the saved domain state comes back")
    }

    @Test func suspendedStateSurvivesARestart() async throws {
        let f = try await EngineFixture.make()
        let vm = try await f.running()
        let image = f.directory + "/\(vm).suspend"
        try await f.succeed(.suspend(.local(image)), vm)
        let g = try await f.restarted()
        defer { Task { await g.cleanup() } }
        #expect(try await g.power(vm) == .suspended)
        try await g.succeed(.resume(.local(image)), vm)
        #expect(try await g.power(vm) == .paused)
    }

    @Test func resumeFromAMissingOrCorruptImageFailsCleanly() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        guard case .internalError(let m)? = try await f.failure(.resume(.local(f.directory + "/none.img")), vm) else {
            Issue.record("expected an error for a missing image")
            return
        }
        #expect(m.contains("cannot open the suspend image"))
        let junk = f.directory + "/junk.img"
        _ = FileManager.default.createFile(atPath: junk, contents: Data("not an image".utf8))
        #expect(try await f.failure(.resume(.local(junk)), vm) != nil)
        #expect(try await f.power(vm) == .halted)
        #expect(try await f.failure(.suspend(.local(f.directory + "/x.img")), vm) == .badPowerState(found: .halted, expected: .running))
    }
}

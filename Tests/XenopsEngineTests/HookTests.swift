import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine
import XenopsTestSupport

/// Which hooks each operation runs through the engine, and what a failing hook does to the
/// operation (with a recording fake; the real folder runner is tested in XenopsHooksTests).
@Suite("Hook scripts in engine operations")
struct HookTests {
    static let failure = XenopsError.hookFailed(script: "vm-pre-start/10-check", reason: "none", stdout: "no licence", detail: "2")

    @Test func startRunsVmPreStartBeforeAnyDomainExists() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        try await f.succeed(.start(force: false), vm)
        #expect(hooks.calls == [.init(hook: .vmPreStart, vm: vm, reason: .none, domid: nil)])
    }

    @Test func failingPreStartFailsTheTaskWithHookFailedAndLeavesTheVMHalted() async throws {
        let hooks = RecordingHookRunner()
        hooks.fail(.vmPreStart, with: Self.failure)
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        let info = try await f.wait(f.engine.submit(.start(force: false), vm: vm, debugInfo: "test"))
        guard case .failed(let json) = info.state else {
            Issue.record("start completed despite a failing vm-pre-start: \(info.state)")
            return
        }
        #expect(json.jsonString == #"["Hook_failed",["vm-pre-start/10-check","none","no licence","2"]]"#)
        #expect(try await f.power(vm) == .halted)
        #expect(try await f.engine.statVM(vm).1.domids.isEmpty)
        #expect(!f.backend.calls(for: vm).contains("create"))
    }

    @Test func shutdownRunsPreShutdownWithTheDomainAndPostDestroyWithout() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let domid = try #require(try await f.engine.statVM(vm).1.domids.first)
        hooks.reset()
        try await f.succeed(.shutdown(delay: 5), vm)
        #expect(hooks.calls == [
            .init(hook: .vmPreShutdown, vm: vm, reason: .cleanShutdown, domid: domid),
            .init(hook: .vmPostDestroy, vm: vm, reason: .cleanShutdown, domid: nil),
        ])
        try await f.succeed(.start(force: false), vm)
        hooks.reset()
        try await f.succeed(.shutdown(delay: nil), vm)
        #expect(hooks.names(for: vm) == ["vm-pre-shutdown hard-shutdown", "vm-post-destroy hard-shutdown"])
    }

    @Test func failingPreShutdownLeavesTheVMRunning() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let error = XenopsError.hookFailed(script: "vm-pre-shutdown/x", reason: "clean-shutdown", stdout: "", detail: "3")
        hooks.fail(.vmPreShutdown, with: error)
        #expect(try await f.failure(.shutdown(delay: 5), vm) == error)
        #expect(try await f.power(vm) == .running)
        #expect(!f.backend.calls(for: vm).contains("request-poweroff"))
        #expect(try await f.failure(.reboot(delay: nil), vm) == error)
        #expect(try await f.power(vm) == .running)
    }

    /// xenopsd raises Hook_failed for a post hook too (exit status other than 0 and 1): the
    /// operation reports the failure, though its work is done.
    @Test func failingPostDestroyFailsTheTaskAfterTheWorkIsDone() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let error = XenopsError.hookFailed(script: "vm-post-destroy/x", reason: "hard-shutdown", stdout: "", detail: "2")
        hooks.fail(.vmPostDestroy, with: error)
        #expect(try await f.failure(.shutdown(delay: nil), vm) == error)
        #expect(try await f.power(vm) == .halted)
    }

    @Test func rebootRunsShutdownRebootAndStartHooks() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        hooks.reset()
        try await f.succeed(.reboot(delay: 5), vm)
        #expect(hooks.names(for: vm) == ["vm-pre-shutdown clean-reboot", "vm-post-destroy clean-reboot", "vm-pre-reboot none", "vm-pre-start none"])
        hooks.reset()
        try await f.succeed(.reboot(delay: nil), vm)
        #expect(hooks.names(for: vm) == ["vm-pre-shutdown hard-reboot", "vm-post-destroy hard-reboot", "vm-pre-reboot none", "vm-pre-start none"])
        #expect(try await f.power(vm) == .running)
    }

    @Test func suspendAndResumeHooks() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let domid = try #require(try await f.engine.statVM(vm).1.domids.first)
        hooks.reset()
        let image = f.directory + "/\(vm).img"
        try await f.succeed(.suspend(.local(image)), vm)
        #expect(hooks.calls.map(\.description) == ["vm-pre-suspend suspend", "vm-pre-shutdown suspend", "vm-post-destroy suspend"])
        #expect(hooks.calls.map(\.domid) == [domid, domid, nil])
        hooks.reset()
        try await f.succeed(.resume(.local(image)), vm)
        #expect(hooks.names(for: vm) == ["vm-pre-resume none", "vm-post-resume none"])
        #expect(hooks.calls.last?.domid != nil)
    }

    @Test func failingPreSuspendLeavesTheVMRunningAndWritesNoImage() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let error = XenopsError.hookFailed(script: "vm-pre-suspend/x", reason: "suspend", stdout: "", detail: "9")
        hooks.fail(.vmPreSuspend, with: error)
        let image = f.directory + "/\(vm).img"
        #expect(try await f.failure(.suspend(.local(image)), vm) == error)
        #expect(try await f.power(vm) == .running)
        #expect(!FileManager.default.fileExists(atPath: image))
    }

    @Test func destroyPauseAndDevicesRunNoHooks() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        hooks.reset()
        try await f.succeed(.pause, vm)
        try await f.succeed(.unpause, vm)
        try await f.succeed(.vifUnplug("0", force: false), vm)
        try await f.succeed(.destroy, vm)
        #expect(try await f.power(vm) == .halted)
        #expect(hooks.calls.isEmpty)
    }

    /// The guest reboots itself: xenopsd's VM_reboot (id, None), a hard reboot with its hooks.
    @Test func guestRebootRunsHardRebootHooks() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(minimumUptime: 0, hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onReboot: [.start])
        hooks.reset()
        try await f.engine.debugTrigger("reboot", args: [vm])
        #expect(try await f.eventually {
            guard hooks.names(for: vm).count == 4 else { return false }
            return try await f.power(vm) == .running
        })
        #expect(hooks.names(for: vm) == ["vm-pre-shutdown hard-reboot", "vm-post-destroy hard-reboot", "vm-pre-reboot none", "vm-pre-start none"])
    }

    /// The guest halts itself and on_shutdown is Shutdown: xenopsd's VM_shutdown (id, None)
    /// runs no hooks.
    @Test func guestHaltRunsNoHooks() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onShutdown: [.shutdown])
        hooks.reset()
        try await f.engine.debugTrigger("halt", args: [vm])
        #expect(try await f.eventually { try await f.power(vm) == .halted && f.backend.calls(for: vm).last == "destroy" })
        #expect(hooks.calls.isEmpty)
    }

    /// A guest reboot whose vm-pre-start fails leaves the VM Halted (its old domain is gone),
    /// as xenopsd's VM_reboot does.
    @Test func guestRebootWithFailingPreStartHalts() async throws {
        let hooks = RecordingHookRunner()
        let f = try await EngineFixture.make(minimumUptime: 0, hooks: hooks)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onReboot: [.start])
        hooks.fail(.vmPreStart, with: Self.failure)
        try await f.engine.debugTrigger("reboot", args: [vm])
        #expect(try await f.eventually { try await f.power(vm) == .halted })
        #expect(try await f.engine.statVM(vm).1.domids.isEmpty)
    }
}

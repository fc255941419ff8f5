import Testing
import XenopsCore

/// Which hooks each operation runs, in which order and with which reason: the points where
/// xenopsd's `atomics_of_operation` puts `VM_hook_script` (xenops_server.ml).
@Suite("Hook points in lifecycle plans")
struct HookPlanTests {
    static let vm = LifecyclePlannerTests.vm

    static func hooks(_ op: VMOperation, _ state: PowerState) throws -> [String] {
        hooks(try LifecyclePlanner.plan(op, in: LifecyclePlannerTests.context(state)))
    }

    static func hooks(_ plan: Plan) -> [String] {
        plan.steps.compactMap { step in
            guard case .runHook(let hook, let reason) = step else { return nil }
            return "\(hook.rawValue) \(reason.rawValue)"
        }
    }

    @Test func operatorOperations() throws {
        #expect(try Self.hooks(.start(force: false), .halted) == ["vm-pre-start none"])
        #expect(try Self.hooks(.shutdown(delay: 30), .running) == ["vm-pre-shutdown clean-shutdown", "vm-post-destroy clean-shutdown"])
        #expect(try Self.hooks(.shutdown(delay: nil), .paused) == ["vm-pre-shutdown hard-shutdown", "vm-post-destroy hard-shutdown"])
        let reboot = ["vm-pre-shutdown", "vm-post-destroy", "vm-pre-reboot none", "vm-pre-start none"]
        #expect(try Self.hooks(.reboot(delay: 30), .running) == reboot.map { $0.hasSuffix("none") ? $0 : "\($0) clean-reboot" })
        #expect(try Self.hooks(.reboot(delay: nil), .running) == reboot.map { $0.hasSuffix("none") ? $0 : "\($0) hard-reboot" })
        #expect(try Self.hooks(.suspend(.local("/s.img")), .running) == ["vm-pre-suspend suspend", "vm-pre-shutdown suspend", "vm-post-destroy suspend"])
        #expect(try Self.hooks(.resume(.local("/s.img")), .suspended) == ["vm-pre-resume none", "vm-post-resume none"])
    }

    /// VM.destroy, VM.create, pause, devices: xenopsd runs no hooks for these atomics.
    @Test func atomicOperationsRunNoHooks() throws {
        for op in LifecyclePlannerTests.allOperations {
            switch op {
            case .start, .shutdown, .reboot, .suspend, .resume: continue
            default: break
            }
            for state in PowerState.allCases {
                guard let plan = try? LifecyclePlanner.plan(op, in: LifecyclePlannerTests.context(state)) else { continue }
                #expect(Self.hooks(plan).isEmpty, "\(op.name) in \(state)")
            }
        }
    }

    /// A clean shutdown runs vm-pre-shutdown before asking the guest (VM_poweroff); a clean
    /// reboot asks the guest first and runs it once the guest is down (VM_reboot).
    @Test func preShutdownOrderAgainstTheGuestRequest() throws {
        let shutdown = try LifecyclePlanner.plan(.shutdown(delay: 30), in: LifecyclePlannerTests.context(.running)).steps
        #expect(shutdown.first == .runHook(.vmPreShutdown, .cleanShutdown))
        #expect(shutdown.last == .runHook(.vmPostDestroy, .cleanShutdown))
        let reboot = try LifecyclePlanner.plan(.reboot(delay: 30), in: LifecyclePlannerTests.context(.running)).steps
        let wait = try #require(reboot.firstIndex(of: .waitForShutdown(timeout: 30)))
        let pre = try #require(reboot.firstIndex(of: .runHook(.vmPreShutdown, .cleanReboot)))
        let start = try #require(reboot.firstIndex(of: .runHook(.vmPreStart, .none)))
        let create = try #require(reboot.firstIndex(of: .createDomain))
        #expect(wait < pre && pre < start && start < create)
        // A failing vm-pre-start leaves no domain behind: nothing is built before it.
        let plainStart = try LifecyclePlanner.plan(.start(force: false), in: LifecyclePlannerTests.context(.halted)).steps
        #expect(plainStart.first == .runHook(.vmPreStart, .none))
    }

    /// Guest-initiated: a reboot (action Start) is xenopsd's VM_reboot (id, None), a hard
    /// reboot with its hooks; Shutdown is VM_shutdown (id, None), which runs none; so do
    /// Pause, Coredump and Softreboot.
    @Test func guestInitiatedActions() {
        var vm = Self.vm
        vm.onReboot = [.start]
        vm.onShutdown = [.shutdown]
        let reboot = LifecyclePlanner.planGuestShutdown(reason: .reboot, vm: vm, secondsSinceStart: 1000)
        #expect(Self.hooks(reboot) == ["vm-pre-shutdown hard-reboot", "vm-post-destroy hard-reboot", "vm-pre-reboot none", "vm-pre-start none"])
        #expect(Self.hooks(LifecyclePlanner.planGuestShutdown(reason: .poweroff, vm: vm, secondsSinceStart: 1000)).isEmpty)
        vm.onCrash = [.coredump, .start]
        #expect(Self.hooks(LifecyclePlanner.planGuestShutdown(reason: .crash, vm: vm, secondsSinceStart: 1000)).count == 4)
        #expect(Self.hooks(LifecyclePlanner.planGuestShutdown(reason: .crash, vm: vm, secondsSinceStart: 1)).isEmpty)
        vm.onShutdown = [.pause]
        #expect(Self.hooks(LifecyclePlanner.planGuestShutdown(reason: .poweroff, vm: vm, secondsSinceStart: 1000)).isEmpty)
        vm.onSoftreboot = [.softreboot]
        #expect(Self.hooks(LifecyclePlanner.planGuestShutdown(reason: .softReset, vm: vm, secondsSinceStart: 1000)).isEmpty)
    }

    @Test func folderNamesAndReasonsAreXenopsds() {
        #expect(Hook.allCases.map(\.rawValue) == [
            "vm-pre-shutdown", "vm-pre-migrate", "vm-post-migrate", "vm-pre-suspend", "vm-pre-start", "vm-pre-reboot",
            "vm-pre-resume", "vm-post-resume", "vm-post-destroy",
        ])
        #expect(HookReason.allCases.map(\.rawValue) == [
            "clean-shutdown", "hard-shutdown", "clean-reboot", "hard-reboot", "suspend", "source", "destination", "none",
        ])
    }
}

import Testing
import XenopsCore

@Suite("The pure lifecycle planner")
struct LifecyclePlannerTests {
    static let vm: VM = {
        var vm = VM(id: "vm1", ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/k")))), memoryStaticMax: 512 << 20, vcpuMax: 4, vcpus: 2)
        vm.onCrash = [.start]
        return vm
    }()

    static let cd = VBD(id: DeviceID(vm: "vm1", name: "xvdd"), backend: nil, ty: .cdrom)
    static let disk = VBD(id: DeviceID(vm: "vm1", name: "xvda"), backend: .local("/dev/sda"))

    static func context(_ state: PowerState, plugged: PluggedDevices = .init()) -> PlanContext {
        PlanContext(powerState: state, vm: vm, vbds: ["xvdd": cd, "xvda": disk], vifs: ["0": VIF(id: DeviceID(vm: "vm1", name: "0"))], plugged: plugged, shutdownAckTimeout: 60)
    }

    static let allOperations: [VMOperation] = [
        .start(force: false), .unpause, .pause, .shutdown(delay: 30), .shutdown(delay: nil), .reboot(delay: 30),
        .reboot(delay: nil), .destroy, .create, .build(force: false), .delay(seconds: 1), .setVcpus(2),
        .setMemoryDynamicRange(min: 256 << 20, max: 512 << 20), .setXSData(["vm-data/a": "b"]),
        .vbdPlug("xvda"), .vbdUnplug("xvda", force: false), .vbdInsert("xvdd", .local("/iso")), .vbdEject("xvdd"),
        .vifPlug("0"), .vifUnplug("0", force: false), .vifSetCarrier("0", true),
        .suspend(.local("/var/lib/xenopsd-ng/vm1.img")), .resume(.local("/var/lib/xenopsd-ng/vm1.img")),
    ]

    /// Which operations each power state accepts; every (state, operation) pair is checked.
    static func accepted(_ op: VMOperation, in state: PowerState) -> Bool {
        let live = state == .running || state == .paused
        switch op {
        case .start, .create: return state == .halted
        case .unpause, .pause, .shutdown, .reboot, .setVcpus, .setXSData, .vbdPlug, .vifPlug, .build: return live
        case .destroy, .delay, .setMemoryDynamicRange, .vbdUnplug, .vifUnplug, .vifSetCarrier: return true
        // The fixture's CD drive is empty: insert works anywhere, eject needs media.
        case .suspend: return live
        case .resume: return state == .suspended || state == .halted
        case .vbdInsert: return true
        case .vbdEject: return !live
        }
    }

    @Test(arguments: [PowerState.halted, .running, .paused, .suspended])
    func everyOperationInEveryState(_ state: PowerState) {
        for op in Self.allOperations {
            let plugged = PluggedDevices(vbds: state == .halted || state == .suspended ? [:] : ["xvda": true, "xvdd": false], vifs: ["0"])
            let ctx = Self.context(state, plugged: plugged)
            do {
                _ = try LifecyclePlanner.plan(op, in: ctx)
                #expect(Self.accepted(op, in: state), "\(op.name) should be refused in \(state)")
            } catch {
                #expect(!Self.accepted(op, in: state), "\(op.name) should be accepted in \(state), got \(error)")
                switch error {
                case .badPowerState(let found, _): #expect(found == state)
                case .domainNotBuilt: #expect(op == .build(force: false))
                case .mediaNotPresent: #expect(op == .vbdEject("xvdd"))
                default: Issue.record("unexpected refusal of \(op.name) in \(state): \(error)")
                }
            }
        }
    }

    @Test func startBuildsAndRecords() throws {
        #expect(try LifecyclePlanner.plan(.start(force: false), in: Self.context(.halted)).steps == [.runHook(.vmPreStart, .none), .createDomain, .recordStart])
    }

    @Test func cleanShutdownAsksTheGuestFirst() throws {
        let plan = try LifecyclePlanner.plan(.shutdown(delay: 30), in: Self.context(.running))
        #expect(plan.steps == [
            .runHook(.vmPreShutdown, .cleanShutdown), .requestShutdown(.poweroff, ackTimeout: 30), .waitForShutdown(timeout: 30),
            .bestEffort(.pauseDomain), .destroyDomain, .runHook(.vmPostDestroy, .cleanShutdown),
        ])
        let hard = try LifecyclePlanner.plan(.shutdown(delay: nil), in: Self.context(.running))
        #expect(hard.steps == [.runHook(.vmPreShutdown, .hardShutdown), .bestEffort(.pauseDomain), .destroyDomain, .runHook(.vmPostDestroy, .hardShutdown)])
    }

    @Test func ackTimeoutIsCappedByTheDelayAndTheConfiguredLimit() throws {
        let plan = try LifecyclePlanner.plan(.shutdown(delay: 600), in: Self.context(.running))
        #expect(plan.steps.dropFirst().first == .requestShutdown(.poweroff, ackTimeout: 60))
    }

    @Test func rebootIsShutdownThenStartAndUnpause() throws {
        let plan = try LifecyclePlanner.plan(.reboot(delay: nil), in: Self.context(.paused))
        #expect(plan.steps == [
            .markRebooting(true), .runHook(.vmPreShutdown, .hardReboot), .bestEffort(.pauseDomain), .destroyDomain,
            .runHook(.vmPostDestroy, .hardReboot), .runHook(.vmPreReboot, .none), .runHook(.vmPreStart, .none),
            .createDomain, .recordStart, .unpauseDomain, .markRebooting(false),
        ])
    }

    @Test func unpauseOfRunningAndPauseOfPausedAreNoOps() throws {
        #expect(try LifecyclePlanner.plan(.unpause, in: Self.context(.running)) == .empty)
        #expect(try LifecyclePlanner.plan(.pause, in: Self.context(.paused)) == .empty)
    }

    @Test func vcpusAreBounded() {
        #expect(throws: XenopsError.invalidVcpus(5)) { try LifecyclePlanner.plan(.setVcpus(5), in: Self.context(.running)) }
        #expect(throws: XenopsError.invalidVcpus(0)) { try LifecyclePlanner.plan(.setVcpus(0), in: Self.context(.running)) }
    }

    @Test func cdRules() throws {
        let live = Self.context(.running, plugged: PluggedDevices(vbds: ["xvdd": false, "xvda": true]))
        #expect(throws: XenopsError.mediaNotPresent) { try LifecyclePlanner.plan(.vbdEject("xvdd"), in: live) }
        #expect(throws: XenopsError.mediaNotEjectable) { try LifecyclePlanner.plan(.vbdEject("xvda"), in: live) }
        #expect(try LifecyclePlanner.plan(.vbdInsert("xvdd", .local("/iso")), in: live).steps == [.insertMedia("xvdd", .local("/iso"))])
        let full = Self.context(.running, plugged: PluggedDevices(vbds: ["xvdd": true]))
        #expect(throws: XenopsError.mediaPresent) { try LifecyclePlanner.plan(.vbdInsert("xvdd", .local("/iso")), in: full) }
        #expect(throws: XenopsError.doesNotExist(namespace: "VM", path: "vm1/vbd.nope")) { try LifecyclePlanner.plan(.vbdPlug("nope"), in: live) }
    }

    @Test func suspendNeedsALocalAbsolutePath() throws {
        #expect(try LifecyclePlanner.plan(.suspend(.local("/srv/s.img")), in: Self.context(.running)).steps.filter(\.isBackendStep) == [.saveToFile("/srv/s.img"), .destroyDomain])
        #expect(throws: XenopsError.self) { try LifecyclePlanner.plan(.suspend(.vdi("sr/vdi")), in: Self.context(.running)) }
        #expect(throws: XenopsError.self) { try LifecyclePlanner.plan(.suspend(.local("relative.img")), in: Self.context(.running)) }
        #expect(try LifecyclePlanner.plan(.resume(.local("/srv/s.img")), in: Self.context(.suspended)).steps.filter(\.isBackendStep) == [.restoreFromFile("/srv/s.img"), .recordStart, .forgetSuspendImage])
    }

    @Test func guestPoweroffFollowsOnShutdown() {
        var vm = Self.vm
        vm.onShutdown = [.shutdown]
        #expect(LifecyclePlanner.planGuestShutdown(reason: .poweroff, vm: vm, secondsSinceStart: 500).steps == [.destroyDomain])
        vm.onShutdown = [.start]
        #expect(LifecyclePlanner.planGuestShutdown(reason: .poweroff, vm: vm, secondsSinceStart: 500).steps.contains(.createDomain))
    }

    @Test func crashWithinTheMinimumUptimeDoesNotRestart() {
        let early = LifecyclePlanner.planGuestShutdown(reason: .crash, vm: Self.vm, secondsSinceStart: 30)
        #expect(early.steps == [.destroyDomain])
        let late = LifecyclePlanner.planGuestShutdown(reason: .crash, vm: Self.vm, secondsSinceStart: 300)
        #expect(late.steps.contains(.createDomain))
    }

    @Test func quickRebootIsDelayed() {
        let quick = LifecyclePlanner.planGuestShutdown(reason: .reboot, vm: Self.vm, secondsSinceStart: 10, rebootDelay: 15)
        #expect(quick.steps.first == .sleep(seconds: 15))
        let slow = LifecyclePlanner.planGuestShutdown(reason: .reboot, vm: Self.vm, secondsSinceStart: 1000, rebootDelay: 15)
        #expect(slow.steps.first == .markRebooting(true))
    }

    @Test func coredumpIsNotedThenTheNextActionRuns() {
        var vm = Self.vm
        vm.onCrash = [.coredump, .shutdown]
        let plan = LifecyclePlanner.planGuestShutdown(reason: .crash, vm: vm, secondsSinceStart: 1000)
        #expect(plan.steps.count == 2)
        #expect(plan.steps.last == .destroyDomain)
    }

    @Test func pauseActionKeepsTheDomainAndUnaskedSuspendShutsDown() {
        var vm = Self.vm
        vm.onShutdown = [.pause]
        #expect(!LifecyclePlanner.planGuestShutdown(reason: .poweroff, vm: vm, secondsSinceStart: 1000).steps.contains(.destroyDomain))
        #expect(LifecyclePlanner.planGuestShutdown(reason: .suspend, vm: vm, secondsSinceStart: 1000).steps == [.destroyDomain])
    }
}

extension PlanStep {
    /// Every step but a hook (the hooks each operation runs are checked in HookPlanTests).
    var isBackendStep: Bool {
        if case .runHook = self { return false }
        return true
    }
}

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

    static let usb = VUSB(id: DeviceID(vm: "vm1", name: "u1"), hostbus: "1", hostport: "2", version: "2.0", path: "/dev/bus/usb/001/002", speed: 480)

    static func context(_ state: PowerState, plugged: PluggedDevices = .init(), vm: VM = vm) -> PlanContext {
        PlanContext(
            powerState: state, vm: vm, vbds: ["xvdd": cd, "xvda": disk], vifs: ["0": VIF(id: DeviceID(vm: "vm1", name: "0"))],
            vusbs: ["u1": usb], plugged: plugged, shutdownAckTimeout: 60)
    }

    static let allOperations: [VMOperation] = [
        .start(force: false), .unpause, .pause, .shutdown(delay: 30), .shutdown(delay: nil), .reboot(delay: 30),
        .reboot(delay: nil), .destroy, .create, .build(force: false), .delay(seconds: 1), .setVcpus(2),
        .setMemoryDynamicRange(min: 256 << 20, max: 512 << 20), .setXSData(["vm-data/a": "b"]),
        .vbdPlug("xvda"), .vbdUnplug("xvda", force: false), .vbdInsert("xvdd", .local("/iso")), .vbdEject("xvdd"),
        .vifPlug("0"), .vifUnplug("0", force: false), .vifSetCarrier("0", true),
        .suspend(.local("/var/lib/xenopsd-ng/vm1.img")), .resume(.local("/var/lib/xenopsd-ng/vm1.img")),
        .requestRDP(true), .runScript("echo hi"), .setShadowMultiplier(2), .s3Suspend, .s3Resume,
        .vifSet("0", .network(.local("xenbr1"))), .vifSet("0", .lockingMode(.disabled)), .vifSet("0", .ipv4(.dhcp)),
        .vifSet("0", .ipv6(.autoconf)), .vifSet("0", .pvsProxy(nil)), .vifSet("0", .trunks([10])),
        .vbdSetQoS("xvda"), .vusbPlug("u1"), .vusbUnplug("u1"),
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
        // Guest-agent requests and ACPI S3 need a domain; the fixture is PV, which has no shadow multiplier.
        case .requestRDP, .runScript, .s3Suspend, .s3Resume, .vusbPlug: return live
        case .setShadowMultiplier: return false
        // Device settings are stored in any state and applied when plugged.
        case .vifSet, .vbdSetQoS, .vusbUnplug: return true
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
                case .doesNotExist(let namespace, let path): #expect(namespace == "domain" && path == "vm1", "\(op.name)")
                case .unimplemented(let what): #expect(op == .setShadowMultiplier(2) && what == "shadow_multiplier for PV domains")
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

    // MARK: Issue 9: guest agent, S3, shadow memory, device settings

    @Test func vifSettingsAreStoredThenAppliedToAPluggedVIF() throws {
        let plugged = PluggedDevices(vifs: ["0"])
        let lock = VIFSetting.lockingMode(.locked(ipv4: ["10.0.0.2"], ipv6: []))
        #expect(try LifecyclePlanner.plan(.vifSet("0", lock), in: Self.context(.running, plugged: plugged)).steps == [.storeVIF("0", lock), .applyVIF("0", lock)])
        // Trunks are applied first and stored once applied, as xenopsd does.
        #expect(try LifecyclePlanner.plan(.vifSet("0", .trunks([10, 20])), in: Self.context(.running, plugged: plugged)).steps
            == [.applyVIF("0", .trunks([10, 20])), .storeVIF("0", .trunks([10, 20]))])
        // Not plugged (or no domain): only stored, applied at the next plug.
        #expect(try LifecyclePlanner.plan(.vifSet("0", lock), in: Self.context(.running)).steps == [.storeVIF("0", lock)])
        #expect(try LifecyclePlanner.plan(.vifSet("0", lock), in: Self.context(.halted)).steps == [.storeVIF("0", lock)])
    }

    @Test func vifSettingsXenopsdCannotApplyAreRefusedBeforeAnythingChanges() {
        #expect(throws: XenopsError.internalError("Static IPv4 configuration selected, but no address specified.")) {
            try LifecyclePlanner.plan(.vifSet("0", .ipv4(.static(cidrs: [], gateway: nil))), in: Self.context(.running))
        }
        #expect(throws: XenopsError.internalError("Static IPv6 configuration selected, but no address specified.")) {
            try LifecyclePlanner.plan(.vifSet("0", .ipv6(.static(cidrs: [], gateway: nil))), in: Self.context(.running))
        }
        #expect(throws: XenopsError.unimplemented("network SR-IOV")) {
            try LifecyclePlanner.plan(.vifSet("0", .network(.sriov(PCIAddress()))), in: Self.context(.running))
        }
        #expect(throws: XenopsError.unimplemented("network driver domains")) {
            try LifecyclePlanner.plan(.vifSet("0", .network(.remote(vm: "dd", bridge: "br0"))), in: Self.context(.running))
        }
        #expect(throws: XenopsError.doesNotExist(namespace: "VM", path: "vm1/vif.9")) {
            try LifecyclePlanner.plan(.vifSet("9", .trunks([])), in: Self.context(.running))
        }
    }

    @Test func shadowMultiplierNeedsAnHVMDomainAndAPositiveValue() throws {
        var hvm = Self.vm
        hvm.ty = .hvm(HVMInfo())
        #expect(try LifecyclePlanner.plan(.setShadowMultiplier(1.5), in: Self.context(.running, vm: hvm)).steps == [.setShadowMultiplier(1.5)])
        #expect(throws: XenopsError.doesNotExist(namespace: "domain", path: "vm1")) {
            try LifecyclePlanner.plan(.setShadowMultiplier(1.5), in: Self.context(.halted, vm: hvm))
        }
        for bad in [0, -1, Double.nan, .infinity] {
            #expect(throws: XenopsError.self) { try LifecyclePlanner.plan(.setShadowMultiplier(bad), in: Self.context(.running, vm: hvm)) }
        }
    }

    @Test func vusbPlugAndUnplugFollowThePluggedSet() throws {
        let plugged = PluggedDevices(vusbs: ["u1"])
        #expect(try LifecyclePlanner.plan(.vusbPlug("u1"), in: Self.context(.running)).steps == [.plugVUSB("u1")])
        #expect(try LifecyclePlanner.plan(.vusbPlug("u1"), in: Self.context(.running, plugged: plugged)).steps.isEmpty)
        #expect(try LifecyclePlanner.plan(.vusbUnplug("u1"), in: Self.context(.running, plugged: plugged)).steps == [.unplugVUSB("u1")])
        #expect(try LifecyclePlanner.plan(.vusbUnplug("u1"), in: Self.context(.running)).steps.isEmpty)
        #expect(throws: XenopsError.doesNotExist(namespace: "VM", path: "vm1/vusb.u2")) {
            try LifecyclePlanner.plan(.vusbUnplug("u2"), in: Self.context(.running))
        }
    }

    @Test func shadowMemoryFollowsXenopsdsModel() {
        // 1 GiB, 2 vCPUs: (512 + 1024 + 1024) pages = 10 MiB; times 1.5 = 15.
        #expect(ShadowMemory.mib(staticMaxBytes: 1 << 30, vcpus: 2, multiplier: 1) == 10)
        #expect(ShadowMemory.mib(staticMaxBytes: 1 << 30, vcpus: 2, multiplier: 1.5) == 15)
        #expect(ShadowMemory.mib(staticMaxBytes: 0, vcpus: 0, multiplier: 0.1) == 1)
    }
}

extension PlanStep {
    /// Every step but a hook (the hooks each operation runs are checked in HookPlanTests).
    var isBackendStep: Bool {
        if case .runHook = self { return false }
        return true
    }
}

/// What the planner needs to know about a VM when its operation reaches the head of the queue.
public struct PlanContext: Sendable, Hashable {
    public var powerState: PowerState
    public var vm: VM
    public var vbds: [String: VBD]
    public var vifs: [String: VIF]
    /// Devices attached to the live domain (empty when there is none).
    public var plugged: PluggedDevices
    /// How long a guest has to acknowledge a shutdown request (xenopsd: 60 s).
    public var shutdownAckTimeout: Double

    public init(powerState: PowerState, vm: VM, vbds: [String: VBD] = [:], vifs: [String: VIF] = [:], plugged: PluggedDevices = .init(), shutdownAckTimeout: Double = 60) {
        self.powerState = powerState
        self.vm = vm
        self.vbds = vbds
        self.vifs = vifs
        self.plugged = plugged
        self.shutdownAckTimeout = shutdownAckTimeout
    }
}

/// The devices attached to a live domain, as the planner sees them.
public struct PluggedDevices: Sendable, Hashable {
    /// Attached disks and whether they hold media.
    public var vbds: [String: Bool]
    public var vifs: Set<String>

    public init(vbds: [String: Bool] = [:], vifs: Set<String> = []) {
        self.vbds = vbds
        self.vifs = vifs
    }
}

/// Turns operations into plans. Pure: no I/O, no clock, no global state, so every
/// (state, operation) pair is unit-tested.
public enum LifecyclePlanner {
    /// The plan for `operation` given the VM's state now, or the xenops error that refuses it.
    public static func plan(_ operation: VMOperation, in context: PlanContext) throws(XenopsError) -> Plan {
        let state = context.powerState
        let live = state == .running || state == .paused
        switch operation {
        case .start:
            try require(state, in: [.halted], expected: .halted)
            return Plan([.runHook(.vmPreStart, .none), .createDomain, .recordStart])
        case .create:
            try require(state, in: [.halted], expected: .halted)
            return Plan([.createDomain, .recordStart])
        case .build:
            guard live else { throw .domainNotBuilt }
            return .empty
        case .unpause:
            try require(state, in: [.running, .paused], expected: .paused)
            return state == .running ? .empty : Plan([.unpauseDomain])
        case .pause:
            try require(state, in: [.running, .paused], expected: .running)
            return state == .paused ? .empty : Plan([.pauseDomain])
        case .shutdown(let delay):
            // xenopsd's VM_poweroff: vm-pre-shutdown before the guest is asked.
            try require(state, in: [.running, .paused], expected: .running)
            let reason: HookReason = delay == nil ? .hardShutdown : .cleanShutdown
            var steps: [PlanStep] = [.runHook(.vmPreShutdown, reason)]
            if let delay {
                steps += [.requestShutdown(.poweroff, ackTimeout: min(context.shutdownAckTimeout, delay)), .waitForShutdown(timeout: delay)]
            }
            steps += [.bestEffort(.pauseDomain), .destroyDomain, .runHook(.vmPostDestroy, reason)]
            return Plan(steps)
        case .reboot(let delay):
            // xenopsd's VM_reboot: the guest is asked first, then vm-pre-shutdown.
            try require(state, in: [.running, .paused], expected: .running)
            var steps: [PlanStep] = [.markRebooting(true)]
            if let delay {
                steps += [.requestShutdown(.reboot, ackTimeout: min(context.shutdownAckTimeout, delay)), .waitForShutdown(timeout: delay)]
            }
            steps += rebootSteps(reason: delay == nil ? .hardReboot : .cleanReboot, pauseFirst: true)
            return Plan(steps)
        case .destroy:
            return Plan([.destroyDomain])
        case .delay(let seconds):
            return Plan([.sleep(seconds: max(0, seconds))])
        case .setVcpus(let n):
            try require(state, in: [.running, .paused], expected: .running)
            guard n >= 1, n <= context.vm.vcpuMax else { throw .invalidVcpus(n) }
            return Plan([.setVcpus(n)])
        case .setMemoryDynamicRange(let min, let max):
            guard min <= max, min > 0 else { throw .internalError("invalid memory range: minimum \(min) must be positive and at most maximum \(max)") }
            guard max <= context.vm.memoryStaticMax else {
                throw .internalError("memory dynamic maximum \(max) exceeds memory_static_max \(context.vm.memoryStaticMax)")
            }
            var steps: [PlanStep] = [.updateMemoryRange(min: min, max: max)]
            if live { steps.append(.setMemoryTarget(max)) }
            return Plan(steps)
        case .setXSData(let data):
            try require(state, in: [.running, .paused], expected: .running)
            return Plan([.setXSData(data)])
        case .vbdPlug(let name):
            try requireDevice(name, in: context.vbds.keys, kind: "VBD", vm: context.vm.id)
            try require(state, in: [.running, .paused], expected: .running)
            return context.plugged.vbds[name] != nil ? .empty : Plan([.plugVBD(name)])
        case .vbdUnplug(let name, let force):
            try requireDevice(name, in: context.vbds.keys, kind: "VBD", vm: context.vm.id)
            guard live, context.plugged.vbds[name] != nil else { return .empty }
            if let vbd = context.vbds[name], !vbd.unpluggable, !force {
                throw .deviceDetachRejected(kind: "VBD", id: name, reason: "the VBD is marked unpluggable=false; use force")
            }
            return Plan([.unplugVBD(name, force: force)])
        case .vbdInsert(let name, let disk):
            try requireDevice(name, in: context.vbds.keys, kind: "VBD", vm: context.vm.id)
            guard let vbd = context.vbds[name], vbd.ty == .cdrom else { throw .mediaNotEjectable }
            guard live else { return .empty }
            guard let hasMedia = context.plugged.vbds[name] else { throw .deviceNotConnected }
            if hasMedia { throw .mediaPresent }
            return Plan([.insertMedia(name, disk)])
        case .vbdEject(let name):
            try requireDevice(name, in: context.vbds.keys, kind: "VBD", vm: context.vm.id)
            guard let vbd = context.vbds[name], vbd.ty == .cdrom else { throw .mediaNotEjectable }
            guard live else { return .empty }
            guard let hasMedia = context.plugged.vbds[name] else { throw .deviceNotConnected }
            if !hasMedia { throw .mediaNotPresent }
            return Plan([.ejectMedia(name)])
        case .vifPlug(let name):
            try requireDevice(name, in: context.vifs.keys, kind: "VIF", vm: context.vm.id)
            try require(state, in: [.running, .paused], expected: .running)
            return context.plugged.vifs.contains(name) ? .empty : Plan([.plugVIF(name)])
        case .vifUnplug(let name, let force):
            try requireDevice(name, in: context.vifs.keys, kind: "VIF", vm: context.vm.id)
            guard live, context.plugged.vifs.contains(name) else { return .empty }
            return Plan([.unplugVIF(name, force: force)])
        case .suspend(let disk):
            try require(state, in: [.running, .paused], expected: .running)
            return Plan([
                .runHook(.vmPreSuspend, .suspend), .saveToFile(try localPath(disk, for: "VM.suspend")),
                .runHook(.vmPreShutdown, .suspend), .destroyDomain, .runHook(.vmPostDestroy, .suspend),
            ])
        case .resume(let disk):
            // xenopsd runs vm-pre-resume after creating the empty domain; here the domain is
            // created and restored in one step, so the hook runs just before it.
            try require(state, in: [.suspended, .halted], expected: .suspended)
            return Plan([
                .runHook(.vmPreResume, .none), .restoreFromFile(try localPath(disk, for: "VM.resume")), .recordStart,
                .forgetSuspendImage, .runHook(.vmPostResume, .none),
            ])
        case .vifSetCarrier(let name, let carrier):
            try requireDevice(name, in: context.vifs.keys, kind: "VIF", vm: context.vm.id)
            guard live, context.plugged.vifs.contains(name) else { return .empty }
            return Plan([.setCarrier(name, carrier)])
        }
    }

    /// The plan that applies a VM's configured actions after its guest shut down on its own.
    ///
    /// - Parameters:
    ///   - reason: why the domain shut down.
    ///   - secondsSinceStart: time since the domain was started; a crash or reboot sooner than
    ///     `minimumUptime` (xenopsd: 120 s) is treated as a loop: a crash's `Start` becomes
    ///     `Shutdown`, and a reboot is delayed by `rebootDelay` (xenopsd: 15 s).
    public static func planGuestShutdown(
        reason: ShutdownReason, vm: VM, secondsSinceStart: Double,
        minimumUptime: Double = 120, rebootDelay: Double = 15
    ) -> Plan {
        let actions: [VMAction]
        switch reason {
        case .poweroff: actions = vm.onShutdown
        case .reboot: actions = vm.onReboot
        case .crash, .watchdog, .unknown:
            let configured = vm.onCrash
            actions = secondsSinceStart < minimumUptime ? configured.map { $0 == .start ? .shutdown : $0 } : configured
        case .softReset: actions = vm.onSoftreboot
        // A suspend nobody asked for: the domain cannot be resumed, so it is shut down.
        case .suspend: actions = [.shutdown]
        }
        var steps: [PlanStep] = []
        for action in actions {
            switch action {
            case .coredump:
                steps.append(.note("Coredump: core dumps are not written by this daemon; continuing with the next action"))
            case .shutdown:
                // xenopsd queues VM_shutdown (id, None), which runs no hooks.
                steps += [.destroyDomain]
                return Plan(steps)
            case .start:
                if reason == .reboot && secondsSinceStart < minimumUptime && rebootDelay > 0 {
                    steps.append(.sleep(seconds: rebootDelay))
                }
                // xenopsd queues VM_reboot (id, None): a hard reboot, with its hooks.
                steps += [.markRebooting(true)] + rebootSteps(reason: .hardReboot, pauseFirst: false)
                return Plan(steps)
            case .softreboot:
                // xenopsd's VM_softreboot runs no hooks.
                steps += [.markRebooting(true), .destroyDomain, .createDomain, .recordStart, .unpauseDomain, .markRebooting(false)]
                return Plan(steps)
            case .pause:
                // The shut-down domain is kept for inspection; the VM reports Paused.
                steps.append(.note("Pause: the shut-down domain is kept for inspection"))
                return Plan(steps)
            }
        }
        // An empty action list means Shutdown.
        return Plan(steps + [.destroyDomain])
    }

    /// A reboot once the guest is down (or at once for a hard reboot), with xenopsd's hooks:
    /// vm-pre-shutdown, vm-post-destroy, vm-pre-reboot, then VM.start's vm-pre-start. A domain
    /// that shut down on its own is not paused first (there is nothing left to run).
    private static func rebootSteps(reason: HookReason, pauseFirst: Bool) -> [PlanStep] {
        [.runHook(.vmPreShutdown, reason)] + (pauseFirst ? [.bestEffort(.pauseDomain)] : []) + [
            .destroyDomain, .runHook(.vmPostDestroy, reason), .runHook(.vmPreReboot, .none), .runHook(.vmPreStart, .none),
            .createDomain, .recordStart, .unpauseDomain, .markRebooting(false),
        ]
    }

    /// The dom0 path of a suspend image. VDIs need SMAPIv2 storage, which this daemon lacks.
    private static func localPath(_ disk: Disk, for method: String) throws(XenopsError) -> String {
        switch disk {
        case .local(let path) where path.hasPrefix("/"): return path
        case .local(let path):
            throw .internalError("\(method): the suspend image path \"\(path)\" must be absolute")
        case .vdi(let name):
            throw .internalError("\(method): suspend images on a VDI (\(name)) need SMAPIv2 storage, which this daemon does not provide; pass [\"Local\", \"/path/to/image\"]")
        }
    }

    private static func require(_ state: PowerState, in allowed: Set<PowerState>, expected: PowerState) throws(XenopsError) {
        guard allowed.contains(state) else { throw .badPowerState(found: state, expected: expected) }
    }

    private static func requireDevice(_ name: String, in names: Dictionary<String, some Any>.Keys, kind: String, vm: String) throws(XenopsError) {
        guard names.contains(name) else { throw .doesNotExist(namespace: "VM", path: "\(vm)/\(kind.lowercased()).\(name)") }
    }
}

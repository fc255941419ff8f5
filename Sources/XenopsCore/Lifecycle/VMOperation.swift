/// An API call that changes a VM, as it sits in the VM's queue.
public enum VMOperation: Sendable, Hashable {
    /// `VM.start`: build the domain and leave it paused. `force` is the wire's `paused` flag,
    /// which xenopsd treats as force.
    case start(force: Bool)
    case unpause
    case pause
    /// `VM.shutdown`: clean with this timeout when `delay` is set, hard otherwise.
    case shutdown(delay: Double?)
    /// `VM.reboot`: clean with this timeout when `delay` is set, hard otherwise.
    case reboot(delay: Double?)
    /// `VM.destroy`: the atomic domain destroy, in any state.
    case destroy
    /// `VM.create`: create the domain (left paused, devices attached).
    case create
    /// `VM.build`: the domain is built by `create` already; checks that it exists.
    case build(force: Bool)
    /// `VM.delay`: sleep inside the VM's queue.
    case delay(seconds: Double)
    case setVcpus(Int)
    case setMemoryDynamicRange(min: Int64, max: Int64)
    case setXSData([String: String])
    case vbdPlug(String)
    case vbdUnplug(String, force: Bool)
    case vbdInsert(String, Disk)
    case vbdEject(String)
    case vifPlug(String)
    case vifUnplug(String, force: Bool)
    case vifSetCarrier(String, Bool)
    /// `VM.suspend`: save the domain's memory to a file and destroy the domain.
    case suspend(Disk)
    /// `VM.resume`: rebuild the domain from a suspend image, left paused.
    case resume(Disk)

    /// A short name for logs and task lists.
    public var name: String {
        switch self {
        case .start: return "VM.start"
        case .unpause: return "VM.unpause"
        case .pause: return "VM.pause"
        case .shutdown: return "VM.shutdown"
        case .reboot: return "VM.reboot"
        case .destroy: return "VM.destroy"
        case .create: return "VM.create"
        case .build: return "VM.build"
        case .delay: return "VM.delay"
        case .setVcpus: return "VM.set_vcpus"
        case .setMemoryDynamicRange: return "VM.set_memory_dynamic_range"
        case .setXSData: return "VM.set_xsdata"
        case .vbdPlug: return "VBD.plug"
        case .vbdUnplug: return "VBD.unplug"
        case .vbdInsert: return "VBD.insert"
        case .vbdEject: return "VBD.eject"
        case .vifPlug: return "VIF.plug"
        case .vifUnplug: return "VIF.unplug"
        case .vifSetCarrier: return "VIF.set_carrier"
        case .suspend: return "VM.suspend"
        case .resume: return "VM.resume"
        }
    }
}

/// One atomic step of a plan: one backend call or one bookkeeping action.
public indirect enum PlanStep: Sendable, Hashable {
    /// Create and build the domain with its devices, left paused.
    case createDomain
    case pauseDomain
    case unpauseDomain
    /// Ask the guest to shut down/reboot; it must acknowledge within `ackTimeout` seconds.
    case requestShutdown(GuestRequest, ackTimeout: Double)
    /// Wait for the guest to finish shutting down.
    case waitForShutdown(timeout: Double)
    case destroyDomain
    /// Report the VM as Running while it reboots (xenopsd's `rebooting_vms`).
    case markRebooting(Bool)
    /// Remember when the domain started (for `last_start_time` and the crash-loop guard).
    case recordStart
    case sleep(seconds: Double)
    case setVcpus(Int)
    case setMemoryTarget(Int64)
    case updateMemoryRange(min: Int64, max: Int64)
    case setXSData([String: String])
    case plugVBD(String)
    case unplugVBD(String, force: Bool)
    case insertMedia(String, Disk)
    case ejectMedia(String)
    case plugVIF(String)
    case unplugVIF(String, force: Bool)
    case setCarrier(String, Bool)
    /// Save the domain into the suspend image at this dom0 path (the task stops being
    /// cancellable: a half-written image is worse than a finished one).
    case saveToFile(String)
    /// Build the domain from the suspend image at this dom0 path, left paused.
    case restoreFromFile(String)
    /// Forget the suspend image (after a resume, or when the VM is started afresh).
    case forgetSuspendImage
    /// Note a lifecycle action that has no effect here (e.g. `Coredump`).
    case note(String)
    /// Run the step; a failure is logged and ignored.
    case bestEffort(PlanStep)
    /// Run the operator's hook scripts for this point (xenopsd's `VM_hook_script`); a
    /// failing script fails the plan with `Hook_failed`.
    case runHook(Hook, HookReason)

    /// Relative cost for task progress, as xenopsd weighs its atomics.
    public var weight: Double {
        switch self {
        case .createDomain: return 3
        case .saveToFile, .restoreFromFile: return 10
        case .waitForShutdown, .requestShutdown: return 2
        case .markRebooting, .recordStart, .note, .forgetSuspendImage, .runHook: return 0
        case .bestEffort(let inner): return inner.weight
        default: return 1
        }
    }
}

/// What a guest is asked to do.
public enum GuestRequest: String, Sendable, Hashable, CaseIterable {
    case poweroff, reboot, suspend, halt
}

/// A plan: the steps an operation expands to, in order.
public struct Plan: Sendable, Hashable {
    public var steps: [PlanStep]
    public init(_ steps: [PlanStep]) { self.steps = steps }
    public static let empty = Plan([])
    public var totalWeight: Double { steps.reduce(0) { $0 + $1.weight } }
}

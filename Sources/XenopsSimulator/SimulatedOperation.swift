/// An operation of the simulator, for latency, fault injection and the call history.
///
/// The raw value is the ``Hypervisor`` method name, used in history lines and errors.
public enum SimulatedOperation: String, Sendable, Hashable, CaseIterable, Codable {
    // Read-only.
    case hostInfo, totalMemoryMiB, freeMemoryBytes, consoleData, listDomains, domainInfo, waitForShutdown
    case combineCPUFeaturesets, checkCPUCompatibility
    // Mutating.
    case createDomain, pause, unpause, requestShutdown, destroy, save, restore
    case plugVBD, unplugVBD, insertMedia, ejectMedia, plugVIF, unplugVIF, setCarrier, plugPCI, unplugPCI
    case setVcpus, setMemoryTarget, setXSData, debugTrigger, renameDomain
    /// ``SuspendCancelling/resumeSuspended(vm:)``: a failed migration resumes its saved domain.
    case resumeSuspended
    // Issue 9: guest agent, ACPI S3, shadow memory, device settings, host-wide calls.
    case requestRDP, runScript, setShadowMultiplier, s3Suspend, s3Resume, applyVIFSetting, setVBDQoS
    case plugVUSB, unplugVUSB, dequarantinePCI, updateGuestAgentFeatures
    case sendDebugKeys

    /// Whether the operation changes hypervisor state (and is recorded in the history and
    /// slowed down by ``SimulatorConfiguration/stepLatency``).
    public var isMutating: Bool {
        switch self {
        case .hostInfo, .totalMemoryMiB, .freeMemoryBytes, .consoleData, .listDomains, .domainInfo, .waitForShutdown,
             .combineCPUFeaturesets, .checkCPUCompatibility:
            return false
        default:
            return true
        }
    }
}

/// One call the simulator received, as ``SimulatedHypervisor/calls()`` lists it.
public struct SimulatorCall: Sendable, Hashable, CustomStringConvertible {
    /// What was called.
    public var operation: SimulatedOperation
    /// The VM uuid the call was about, if any.
    public var vm: String?
    /// A short argument summary (`"xvdb"`, `"reboot"`), if any.
    public var detail: String?

    /// A call record.
    public init(operation: SimulatedOperation, vm: String?, detail: String? = nil) {
        self.operation = operation
        self.vm = vm
        self.detail = detail
    }

    /// `"<operation> <vm> <detail>"`, omitting what is absent.
    public var description: String {
        [operation.rawValue, vm, detail].compactMap { $0 }.joined(separator: " ")
    }
}

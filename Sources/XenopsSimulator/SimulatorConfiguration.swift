/// How a ``SimulatedHypervisor`` behaves: the host it pretends to be, where it keeps its
/// domains, and how slow and how cooperative it is.
public struct SimulatorConfiguration: Sendable {
    /// Physical RAM of the simulated host.
    public var hostMemoryBytes: Int64
    /// RAM held by dom0, never available to guests.
    public var dom0MemoryBytes: Int64
    /// Physical CPUs of the simulated host (also dom0's vCPU count).
    public var cpuCount: Int
    /// The JSON file that holds every domain, so that domains outlive a daemon restart as real
    /// Xen domains do. `nil` keeps them in memory only.
    public var statePath: String?
    /// The time every mutating operation takes (a cancellable `Task.sleep`).
    public var stepLatency: Duration
    /// Per-operation latency, overriding ``stepLatency``. Applies to read-only operations too.
    public var operationLatency: [SimulatedOperation: Duration]
    /// How long a cooperative guest takes to acknowledge a shutdown request.
    public var guestAckDelay: Duration
    /// How long a guest takes to shut down after acknowledging a request.
    public var guestShutdownDelay: Duration
    /// How guests behave unless ``SimulatedHypervisor/setGuestBehaviour(_:for:)`` says otherwise.
    public var defaultGuestBehaviour: GuestBehaviour
    /// The largest `vcpu_max` a domain may have.
    public var maxVcpusPerDomain: Int
    /// Lines kept in the hypervisor console ring (`consoleData`).
    public var consoleRingLines: Int
    /// Calls kept in the operation history (oldest dropped first).
    public var historyLimit: Int
    /// Whether guests run an agent that answers `VM.run_script` (announcing
    /// `control/feature-xs-batcmd`). Off, a test can play the agent through xenstore.
    public var guestAgent: Bool
    /// The CPU featuresets `hostInfo` reports (one simulated host's CPU; give two simulators
    /// different ones to model a pool).
    public var cpuFeaturesets: SimulatedCPUFeaturesets

    /// A configuration; the defaults are a 16 GiB, 8-CPU host with fast, cooperative guests
    /// and no state file.
    public init(
        hostMemoryBytes: Int64 = 16 << 30,
        dom0MemoryBytes: Int64 = 1 << 30,
        cpuCount: Int = 8,
        statePath: String? = nil,
        stepLatency: Duration = .zero,
        operationLatency: [SimulatedOperation: Duration] = [:],
        guestAckDelay: Duration = .milliseconds(10),
        guestShutdownDelay: Duration = .milliseconds(30),
        defaultGuestBehaviour: GuestBehaviour = .cooperative,
        maxVcpusPerDomain: Int = 128,
        consoleRingLines: Int = 512,
        historyLimit: Int = 100_000,
        guestAgent: Bool = true,
        cpuFeaturesets: SimulatedCPUFeaturesets = .init()
    ) {
        self.hostMemoryBytes = hostMemoryBytes
        self.dom0MemoryBytes = dom0MemoryBytes
        self.cpuCount = cpuCount
        self.statePath = statePath
        self.stepLatency = stepLatency
        self.operationLatency = operationLatency
        self.guestAckDelay = guestAckDelay
        self.guestShutdownDelay = guestShutdownDelay
        self.defaultGuestBehaviour = defaultGuestBehaviour
        self.maxVcpusPerDomain = maxVcpusPerDomain
        self.consoleRingLines = consoleRingLines
        self.historyLimit = historyLimit
        self.guestAgent = guestAgent
        self.cpuFeaturesets = cpuFeaturesets
    }

    /// The time `operation` takes: its override, else ``stepLatency`` for mutating operations.
    public func latency(for operation: SimulatedOperation) -> Duration {
        if let override = operationLatency[operation] { return override }
        return operation.isMutating ? stepLatency : .zero
    }
}

/// How a simulated guest answers a shutdown, reboot or suspend request.
public enum GuestBehaviour: String, Sendable, Hashable, CaseIterable {
    /// Acknowledges after ``SimulatorConfiguration/guestAckDelay`` and shuts down with the
    /// requested reason after ``SimulatorConfiguration/guestShutdownDelay``.
    case cooperative
    /// Never acknowledges (a guest without PV drivers): the request times out.
    case refuseAck
    /// Acknowledges but never shuts down (a hung guest): `waitForShutdown` times out.
    case ackButHang
}

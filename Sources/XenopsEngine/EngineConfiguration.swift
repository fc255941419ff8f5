import Logging
import XenopsBackend
import XenopsCore

/// Knobs of the toolstack engine.
public struct EngineConfiguration: Sendable {
    /// How many VMs may have an operation running at once (xenopsd's worker pool; default 16).
    public var workers: Int
    /// How long a guest has to acknowledge a clean shutdown or reboot request (xenopsd: 60 s).
    public var shutdownAckTimeout: Double
    /// A crash or reboot sooner than this after start counts as a loop (xenopsd: 120 s).
    public var minimumUptime: Double
    /// The pause before restarting a VM that rebooted within ``minimumUptime`` (xenopsd: 15 s).
    public var rebootLoopDelay: Double
    /// Runs the operator's hook scripts (xenopsd's `/etc/xapi.d`); none by default.
    public var hooks: any HookRunning
    /// The NUMA policy until `HOST.set_numa_affinity_policy` sets one, and what it selects with
    /// no policy (xenopsd: `Best_effort`, or `Any` with `numa-placement=false`).
    public var defaultNUMAAffinityPolicy: NUMAAffinityPolicy
    public var logger: Logger
    /// How `VM.migrate` reaches a destination daemon; nil: `VM.migrate` answers `Unimplemented`.
    public var migrationConnector: (any MigrationConnector)?
    /// The source side's waits for the destination.
    public var migrationTimeouts: MigrationTimeouts

    public init(
        workers: Int = 16, shutdownAckTimeout: Double = 60, minimumUptime: Double = 120,
        rebootLoopDelay: Double = 15, hooks: any HookRunning = NoHooks(),
        defaultNUMAAffinityPolicy: NUMAAffinityPolicy = .defaultPolicy, logger: Logger = Logger(label: "xenopsd.engine"),
        migrationConnector: (any MigrationConnector)? = nil, migrationTimeouts: MigrationTimeouts = .init()
    ) {
        self.workers = workers
        self.shutdownAckTimeout = shutdownAckTimeout
        self.minimumUptime = minimumUptime
        self.rebootLoopDelay = rebootLoopDelay
        self.hooks = hooks
        self.defaultNUMAAffinityPolicy = defaultNUMAAffinityPolicy
        self.logger = logger
        self.migrationConnector = migrationConnector
        self.migrationTimeouts = migrationTimeouts
    }
}

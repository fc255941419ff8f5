import Foundation
import Synchronization
import XenopsBackend
import XenopsCore

/// A complete in-process hypervisor: the ``Hypervisor`` the engine tests, the conformance
/// suite and `xenopsd --backend simulator` run against.
///
/// It keeps domains with domids, memory, vCPUs and devices; simulates guests that answer (or
/// ignore) shutdown requests; writes and validates save images; and persists its domains to a
/// state file so they outlive a daemon restart, as Xen domains do. Knobs: latency
/// (``SimulatorConfiguration/stepLatency``), fault injection (``failNext(_:vm:with:count:)``),
/// guest behaviour (``setGuestBehaviour(_:for:)``), unmanaged domains
/// (``createUnmanagedDomain(uuid:name:memory:vcpus:paused:)``) and a call history
/// (``history()``).
///
/// All state sits behind one lock that is never held across an `await`, so every method is
/// safe to call from any number of tasks at once.
public final class SimulatedHypervisor: Hypervisor {
    /// The uuid of dom0, which is always listed.
    public static let dom0UUID = "00000000-0000-0000-0000-000000000000"
    /// The ``DomainInfo/creator`` of domains made through the ``Hypervisor`` API.
    public static let managedCreator = "xenopsd-ng"
    /// The ``DomainInfo/creator`` of domains made with ``createUnmanagedDomain(uuid:name:memory:vcpus:paused:)``.
    public static let unmanagedCreator = "xl"

    /// libxl's error codes, reused so logs read the same for both backends.
    enum Code {
        static let fail = -3
        static let invalid = -6
    }

    /// `"simulator"`.
    public let kind = "simulator"
    /// The configuration the simulator was made with.
    public let configuration: SimulatorConfiguration
    /// Every event, unbounded: `.domainChanged` (create, restore, pause, unpause, vCPUs,
    /// memory, xenstore data), `.deviceChanged` (device changes), `.domainShutdown` (guest
    /// shutdowns, debug triggers, save) and `.domainDied` (destroy).
    public let events: AsyncStream<BackendEvent>
    let continuation: AsyncStream<BackendEvent>.Continuation
    let stateFile: StateFile?
    let state: Mutex<SimulatorState>
    /// Writes the world to ``stateFile`` (nil when the simulator keeps it in memory only).
    private let persister = Mutex<SimulatorStatePersister?>(nil)
    /// How often waits re-check the domain.
    static let pollInterval = Duration.milliseconds(5)

    /// Creates a simulator, loading its domains from ``SimulatorConfiguration/statePath`` if
    /// that file exists.
    ///
    /// - Throws: ``SimulatorStateError`` if the state file cannot be read or is corrupt.
    public init(configuration: SimulatorConfiguration = .init()) throws {
        self.configuration = configuration
        let file = configuration.statePath.map(StateFile.init(path:))
        stateFile = file
        var console = ConsoleRing(capacity: configuration.consoleRingLines)
        var world = try file?.load() ?? SimulatedWorld(hostBootTime: Date().timeIntervalSince1970)
        console.append("Xen version 4.17.0-simulated (xenopsd-ng simulator)")
        console.append("simulator: \(configuration.hostMemoryBytes >> 20) MiB, \(configuration.cpuCount) CPUs, \(world.domains.count) domain(s) found")
        // A domain that was dying when the last process stopped has finished dying since.
        let dying = world.domains.values.filter { $0.state == .dying }
        for d in dying {
            world.domains[d.uuid] = nil
            console.append("simulator: domain \(d.domid) (\(d.uuid)) finished dying")
        }
        if !dying.isEmpty { try file?.save(world) }
        state = Mutex(SimulatorState(world: world, defaultBehaviour: configuration.defaultGuestBehaviour, console: console))
        (events, continuation) = AsyncStream.makeStream(of: BackendEvent.self, bufferingPolicy: .unbounded)
        if let file {
            let writer = SimulatorStatePersister(
                file: file, world: world,
                snapshot: { [weak self] in self?.state.withLock { ($0.version, $0.world) } },
                rollback: { [weak self] durable, version in
                    self?.state.withLock { s in
                        s.world = durable
                        s.version = version
                        s.console.append("simulator: could not write the state file; rolled back to the last saved state")
                    }
                })
            persister.withLock { $0 = writer }
        }
    }

    deinit {
        continuation.finish()
    }

    /// Stops every simulated guest and finishes ``events``. Domains stay (and stay persisted).
    public func close() async {
        // Everything changed so far (guests' own shutdowns included) reaches the state file.
        try? await persisted()
        state.withLock { s in
            s.closed = true
            for task in s.guestTasks.values { task.cancel() }
            s.guestTasks = [:]
            s.pendingRequests = [:]
        }
        continuation.finish()
    }

    // MARK: - Plumbing shared by every operation

    /// What a transaction publishes once it has been persisted.
    struct Effects {
        var events: [BackendEvent] = []
    }

    /// Runs `body` under the lock. If it throws, the world is left as it was. If it changed
    /// the world, the change gets a new version (written to the state file by the persister;
    /// callers that return to the engine await ``persisted()``). The queued events are
    /// published in order, still under the lock, so their order matches the state changes.
    func transact<T: Sendable>(_ body: (inout SimulatorState, inout Effects) throws -> T) throws -> T {
        let (result, changed) = try state.withLock { s -> (T, Bool) in
            let before = s.world
            var effects = Effects()
            let result: T
            do { result = try body(&s, &effects) } catch {
                s.world = before
                throw error
            }
            let changed = s.world != before
            if changed { s.version += 1 }
            for event in effects.events { continuation.yield(event) }
            return (result, changed)
        }
        if changed, let writer = persister.withLock({ $0 }) { writer.kick() }
        return result
    }

    /// ``transact(_:)``, then waits until the change is in the state file.
    func commit<T: Sendable>(_ body: (inout SimulatorState, inout Effects) throws -> T) async throws -> T {
        let result = try transact(body)
        try await persisted()
        return result
    }

    /// Waits until every change made so far is in the state file (group commit: concurrent
    /// callers share one write). Returns at once when the simulator has no state file.
    func persisted() async throws {
        guard let writer = persister.withLock({ $0 }) else { return }
        let version = state.withLock { $0.version }
        try await writer.waitDurable(version)
    }

    /// Starts an operation: records it (if mutating), waits its latency (cancellable) and
    /// throws an injected fault if one matches.
    func begin(_ operation: SimulatedOperation, vm: String?, detail: String? = nil, latency: Bool = true) async throws {
        if operation.isMutating {
            state.withLock { $0.record(SimulatorCall(operation: operation, vm: vm, detail: detail), limit: configuration.historyLimit) }
        }
        if latency { try await sleep(configuration.latency(for: operation), during: operation) }
        try injectFault(operation, vm: vm)
    }

    func injectFault(_ operation: SimulatedOperation, vm: String?) throws {
        let fault = state.withLock { s -> BackendError? in
            guard let fault = s.takeFault(operation, vm: vm) else { return nil }
            s.console.append("simulator: injected failure of \(operation.rawValue) \(vm ?? ""): \(fault)")
            return fault
        }
        if let fault { throw fault }
    }

    /// Sleeps, turning task cancellation into ``BackendError/cancelled(operation:)``.
    func sleep(_ duration: Duration, during operation: SimulatedOperation) async throws {
        guard duration > .zero else { return }
        do { try await Task.sleep(for: duration) } catch { throw BackendError.cancelled(operation: operation.rawValue) }
    }

    /// The live (not dying) guest domain of `vm`, or the error a real backend would give.
    static func guest(_ s: SimulatorState, _ vm: String, for operation: SimulatedOperation) throws -> SimulatedDomain {
        if vm == dom0UUID {
            throw BackendError.failed(
                operation: operation.rawValue, code: Code.invalid,
                detail: "domain 0 (Domain-0) is the control domain and cannot be changed through the toolstack",
                remedy: "Address a guest VM instead.")
        }
        guard let d = s.world.domains[vm], d.state != .dying else { throw BackendError.noDomain(vm: vm) }
        return d
    }

    /// dom0 as the ``Hypervisor`` API reports it.
    func dom0(_ world: SimulatedWorld) -> SimulatedDomain {
        SimulatedDomain(
            domid: 0, uuid: Self.dom0UUID, name: "Domain-0", state: .running, domainType: DomainType.pv.rawValue,
            memoryMax: configuration.dom0MemoryBytes, memoryTarget: configuration.dom0MemoryBytes,
            memoryActual: configuration.dom0MemoryBytes, vcpusMax: configuration.cpuCount,
            vcpusOnline: configuration.cpuCount, startTime: world.hostBootTime, creator: nil)
    }

    /// Host bytes not held by dom0 or any guest domain.
    func freeBytes(_ world: SimulatedWorld) -> Int64 {
        max(0, configuration.hostMemoryBytes - configuration.dom0MemoryBytes - world.reservedBytes)
    }
}

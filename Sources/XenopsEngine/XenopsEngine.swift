import Foundation
import Logging
import Synchronization
import XenopsBackend
import XenopsCore
import XenopsStore

/// The toolstack: everything that decides what happens to a VM.
///
/// It owns the in-memory view of every VM (loaded from the store, written through on every
/// change), the per-VM FIFO queues, the task table and the UPDATES feed. It talks to the
/// hypervisor only through the ``Hypervisor`` protocol and to the disk only through
/// ``VMStore``. Every public method mirrors one xenops API method; errors are
/// ``XenopsError``s ready for the wire.
public final class XenopsEngine: Sendable {
    public let updates: UpdatesFeed
    public let tasks: TaskRegistry
    let queues: VMQueues
    let backend: any Hypervisor
    let persister: StatePersister
    let configuration: EngineConfiguration
    var logger: Logger { configuration.logger }
    /// A fresh id for each daemon process (`query`'s `instance_id`).
    public let instanceID: String
    /// `HOST.set_numa_affinity_policy`, applied to every domain built (memory only, as in xenopsd).
    let numaAffinityPolicy: Mutex<NUMAAffinityPolicy>
    /// `Observer.*` configuration.
    public let observers = ObserverRegistry()

    struct Live {
        var records: [String: VMRecord] = [:]
        /// VMs being rebooted: reported Running throughout (xenopsd's `rebooting_vms`).
        var rebooting: Set<String> = []
        /// VMs whose domain shut down and was kept by a `Pause` action.
        var keptAfterShutdown: Set<String> = []
        /// VMs with a state check queued and not yet run (duplicates are coalesced).
        var checkPending: Set<String> = []
        /// vm-data last written for each running VM.
        var xsdataState: [String: [String: String]] = [:]
        /// Shadow multipliers set by `VM.set_shadow_multiplier` on the current domain.
        var shadowMultipliers: [String: Double] = [:]
        var started = false
        var closing = false
    }

    let live = Mutex(Live())
    private let eventConsumer = Mutex<Task<Void, Never>?>(nil)

    /// Creates an engine over a backend and a store. Call ``start()`` before use.
    public init(backend: any Hypervisor, store: VMStore, configuration: EngineConfiguration = .init()) {
        self.backend = backend
        self.persister = StatePersister(store: store)
        self.configuration = configuration
        self.updates = UpdatesFeed()
        self.tasks = TaskRegistry(updates: updates)
        self.queues = VMQueues(workers: configuration.workers)
        self.instanceID = UUID().uuidString.lowercased()
        self.numaAffinityPolicy = Mutex(configuration.defaultNUMAAffinityPolicy)
    }

    /// Loads the store, adopts the running domains of known VMs, starts following backend
    /// events and signals every VM and device so that a client's `UPDATES.get` with no
    /// `last_id` receives a full snapshot.
    public func start() async throws(XenopsError) {
        let stored = try persister.loadAll()
        var records: [String: VMRecord] = [:]
        for entry in stored {
            do { records[entry.id] = try VMRecord(stored: entry) } catch {
                // One unreadable record must not keep the daemon (and every other VM) down.
                logger.error("skipping VM \(entry.id): its stored configuration cannot be decoded: \(error). Re-push it with VM.import_metadata.")
            }
        }
        live.withLock { $0.records = records; $0.started = true }
        startEventConsumer()
        try await reconcile()
    }

    /// Stops taking backend events and waits (up to `timeout`) for queued operations to end.
    public func close(timeout: Duration = .seconds(10)) async {
        live.withLock { $0.closing = true }
        eventConsumer.withLock { $0?.cancel(); $0 = nil }
        let deadline = ContinuousClock.now + timeout
        while queues.snapshot.running > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for task in tasks.list() where !task.state.isFinished {
            try? tasks.cancel(task.id)
        }
    }

    // MARK: Shared helpers

    func record(_ id: String) throws(XenopsError) -> VMRecord {
        guard let record = live.withLock({ $0.records[id] }) else {
            throw .doesNotExist(namespace: "VM", path: "\(id)/config")
        }
        return record
    }

    func updateRecord(_ id: String, _ change: (inout VMRecord) -> Void) -> VMRecord? {
        live.withLock { l -> VMRecord? in
            guard var r = l.records[id] else { return nil }
            change(&r)
            l.records[id] = r
            return r
        }
    }

    /// Signals the VM and all its devices.
    func signalAll(_ id: String) {
        if let record = live.withLock({ $0.records[id] }) { updates.signal(record.allIDs) }
    }

    /// Maps any failure to the xenops error reported on the wire.
    func xenopsError(_ error: any Error, task: String? = nil) -> XenopsError {
        switch error {
        case let e as XenopsError: return e
        case let e as BackendError: return e.asXenopsError(task: task)
        case is CancellationError: return .cancelled(task: task ?? "")
        case let e as XenopsDecodeError: return .internalError(e.description)
        default: return .internalError(String(describing: error))
        }
    }

    /// Calls the backend, mapping its failures to xenops errors.
    func backendCall<T>(_ body: () async throws -> T) async throws(XenopsError) -> T {
        do { return try await body() } catch { throw xenopsError(error) }
    }

    private func startEventConsumer() {
        let stream = backend.events
        let task = Task { [weak self] in
            for await event in stream {
                guard let self else { return }
                self.handle(event)
            }
        }
        eventConsumer.withLock { $0 = task }
    }
}

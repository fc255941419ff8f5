import Dispatch
import Synchronization
import XenopsCore
import XenopsStore

/// Writes engine state to the store on one dedicated thread, so that SQLite's fsyncs never
/// block the Swift cooperative pool, and commits the writes of concurrent requests together.
///
/// Group commit: while one transaction is being committed, new writes queue up; the next
/// transaction carries all of them, so a boot storm costs one fsync per batch instead of one
/// per VM. Each caller still returns only once its own write is durable. If a batch fails, its
/// writes are retried one by one so that a bad write fails alone. Store failures become xenops
/// errors that say what to do.
final class StatePersister: Sendable {
    private struct Pending: Sendable {
        /// Applied together, in one transaction.
        var changes: [StoreChange]
        var what: String
        var continuation: CheckedContinuation<Result<Void, XenopsError>, Never>
    }

    private struct Queue {
        var items: [Pending] = []
        var draining = false
    }

    private let store: VMStore
    private let thread = DispatchQueue(label: "xenopsd.store")
    private let queue = Mutex(Queue())

    init(store: VMStore) {
        self.store = store
    }

    func loadAll() throws(XenopsError) -> [StoredVM] {
        do { return try store.loadAll() } catch { throw Self.wrap(error, "load the VM state store") }
    }

    /// Writes a VM and its whole device set in one transaction.
    func put(_ record: VMRecord) async throws(XenopsError) {
        try await submit(.put(record.stored), "save VM \(record.vm.id)")
    }

    func setRuntime(_ record: VMRecord) async throws(XenopsError) {
        let stored = record.stored
        try await submit(.setRuntime(vmID: stored.id, stored.runtime), "save the runtime state of VM \(record.vm.id)")
    }

    func remove(_ id: String) async throws(XenopsError) {
        try await submit(.remove(id: id), "remove VM \(id)")
    }

    /// Removes VM `oldID` and writes `record` in one transaction (a VM changing its uuid at the
    /// end of a migration): the store holds exactly one of them at any time.
    func replace(removing oldID: String, with record: VMRecord) async throws(XenopsError) {
        try await submit([.remove(id: oldID), .put(record.stored)], "rename VM \(oldID) to \(record.vm.id)")
    }

    private func submit(_ change: StoreChange, _ what: String) async throws(XenopsError) {
        try await submit([change], what)
    }

    private func submit(_ changes: [StoreChange], _ what: String) async throws(XenopsError) {
        let result: Result<Void, XenopsError> = await withCheckedContinuation { continuation in
            let startDrain = queue.withLock { q -> Bool in
                q.items.append(Pending(changes: changes, what: what, continuation: continuation))
                if q.draining { return false }
                q.draining = true
                return true
            }
            if startDrain { thread.async { self.drain() } }
        }
        try result.get()
    }

    /// Commits queued writes in batches until the queue is empty.
    private func drain() {
        while true {
            let batch = queue.withLock { q -> [Pending] in
                let items = q.items
                q.items.removeAll(keepingCapacity: true)
                if items.isEmpty { q.draining = false }
                return items
            }
            if batch.isEmpty { return }
            do {
                try store.apply(batch.flatMap(\.changes))
                for p in batch { p.continuation.resume(returning: .success(())) }
            } catch {
                for p in batch {
                    do {
                        try store.apply(p.changes)
                        p.continuation.resume(returning: .success(()))
                    } catch {
                        p.continuation.resume(returning: .failure(Self.wrap(error, p.what)))
                    }
                }
            }
        }
    }

    private static func wrap(_ error: any Error, _ what: String) -> XenopsError {
        .internalError("could not \(what) in the state store: \(error). Nothing was changed; check the disk holding the state directory and retry.")
    }
}

import Dispatch
import XenopsCore
import XenopsStore

/// Runs store writes on one dedicated thread, so that SQLite's fsyncs never block the Swift
/// cooperative pool, and turns store failures into xenops errors that say what to do.
final class StatePersister: Sendable {
    private let store: VMStore
    private let queue = DispatchQueue(label: "xenopsd.store")

    init(store: VMStore) {
        self.store = store
    }

    func loadAll() throws(XenopsError) -> [StoredVM] {
        do { return try store.loadAll() } catch { throw Self.wrap(error, "load the VM state store") }
    }

    /// Writes a VM and its whole device set in one transaction.
    func put(_ record: VMRecord) async throws(XenopsError) {
        let stored = record.stored
        try await perform("save VM \(record.vm.id)") { try $0.put(stored) }
    }

    func setRuntime(_ record: VMRecord) async throws(XenopsError) {
        let stored = record.stored
        try await perform("save the runtime state of VM \(record.vm.id)") { try $0.setRuntime(vmID: stored.id, stored.runtime) }
    }

    func remove(_ id: String) async throws(XenopsError) {
        try await perform("remove VM \(id)") { _ = try $0.remove(id: id) }
    }

    private func perform(_ what: String, _ body: @escaping @Sendable (VMStore) throws -> Void) async throws(XenopsError) {
        let store = self.store
        let result: Result<Void, XenopsError> = await withCheckedContinuation { continuation in
            queue.async {
                do {
                    try body(store)
                    continuation.resume(returning: .success(()))
                } catch {
                    continuation.resume(returning: .failure(Self.wrap(error, what)))
                }
            }
        }
        try result.get()
    }

    private static func wrap(_ error: any Error, _ what: String) -> XenopsError {
        .internalError("could not \(what) in the state store: \(error). Nothing was changed; check the disk holding the state directory and retry.")
    }
}

internal import GRDB

/// One change to the store, for ``VMStore/apply(_:)``.
public enum StoreChange: Sendable, Hashable {
    /// ``VMStore/put(_:)``.
    case put(StoredVM)
    /// ``VMStore/setRuntime(vmID:_:)``.
    case setRuntime(vmID: String, String?)
    /// ``VMStore/remove(id:)``.
    case remove(id: String)
}

extension VMStore {
    /// Applies several changes in ONE transaction: all of them or none. Lets a caller commit
    /// the writes of many concurrent requests with a single fsync (group commit) without
    /// weakening any of them: each is durable when this returns.
    /// - Throws: `StoreError`; nothing is changed when it throws.
    public func apply(_ changes: [StoreChange]) throws(StoreError) {
        guard !changes.isEmpty else { return }
        for change in changes {
            if case .put(let vm) = change { try validate(vm, operation: "store VM \(vm.id)") }
        }
        try write("apply \(changes.count) changes") { db in
            for change in changes {
                switch change {
                case .put(let vm):
                    try Self.putRows(vm, db)
                case .setRuntime(let id, let runtime):
                    try updateColumnRow("runtime", of: id, to: runtime, db, operation: "store the runtime state of VM \(id)")
                case .remove(let id):
                    try db.execute(sql: "DELETE FROM vm WHERE id = ?", arguments: [id])
                }
            }
        }
    }
}

internal import GRDB

extension StoreError {
    /// Converts any error thrown inside the store into a `StoreError`, keeping it as the
    /// cause. A `StoreError` passes through unchanged.
    static func converting(_ error: any Error, operation: String, path: String?) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let dbError = error as? DatabaseError {
            return fromSQLite(dbError, operation: operation, path: path)
        }
        if let unknown = error as? UnknownDeviceKind {
            return StoreError(
                code: .corrupt, operation: operation, path: path,
                reason: "VM \(unknown.vmID) has a device '\(unknown.id)' of kind '\(unknown.kind)', which this xenopsd-ng does not know",
                remedy: "The store was changed by another program or by a newer xenopsd-ng: run that version, or restore a backup.",
                cause: error)
        }
        if error is RowDecodingError {
            return StoreError(
                code: .corrupt, operation: operation, path: path,
                reason: "a stored row cannot be read back (\(error))",
                remedy: Self.corruptRemedy, cause: error)
        }
        return StoreError(
            code: .other, operation: operation, path: path,
            reason: String(describing: error),
            remedy: "This is unexpected; please report it together with this message.", cause: error)
    }

    static let corruptRemedy =
        "The store is damaged: stop xenopsd-ng, keep a copy of the file and its -wal file, then restore it from a backup or move it aside to start with an empty store."

    /// Maps an SQLite result code to a code, a reason and a remedy.
    private static func fromSQLite(_ error: DatabaseError, operation: String, path: String?) -> StoreError {
        let primary = error.resultCode
        let text = error.message ?? "SQLite error"
        let reason = "\(text) (SQLite \(primary.rawValue))"
        let code: Code
        let remedy: String
        switch primary {
        case .SQLITE_CANTOPEN:
            code = .cannotOpen
            remedy = "Check that the directory exists and is writable, or pass --state-dir."
        case .SQLITE_NOTADB:
            code = .notADatabase
            remedy = "The file is not an SQLite database: it may be damaged or belong to another program. Move it aside to start with an empty store, restore it from a backup, or pass --state-dir."
        case .SQLITE_CORRUPT:
            code = .corrupt
            remedy = corruptRemedy
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            code = .busy
            remedy = "Another process holds a lock on the store: check that no other xenopsd-ng uses the same --state-dir."
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            code = .readOnly
            remedy = "Check the permissions of the file, its -wal and -shm files and its directory, and that the filesystem is mounted read-write."
        case .SQLITE_FULL:
            code = .diskFull
            remedy = "Free space on the filesystem that holds the store."
        case .SQLITE_IOERR:
            code = .ioError
            remedy = "Check the disk and the kernel log (dmesg) for I/O errors."
        case .SQLITE_MISUSE where text == "Connection is closed":
            code = .closed
            remedy = "The store was closed; this is a bug in the caller, which must not use a VMStore after close()."
        default:
            code = .other
            remedy = "This is unexpected; please report it together with this message."
        }
        return StoreError(code: code, operation: operation, path: path, reason: reason, remedy: remedy, cause: error)
    }
}

internal import GRDB

/// The persistent VM state store: one SQLite database in WAL mode, accessed through GRDB.
///
/// Every method that changes state runs in exactly one transaction, so a VM and its devices
/// change together or not at all. A change is durable once the method returns: it survives
/// a crash or SIGKILL of the daemon and, because commits run with `synchronous=FULL`, a
/// power loss too.
///
/// A file-backed store uses a GRDB `DatabasePool`: writes are serialised on one connection
/// while reads run on their own connections in parallel and never wait for a write in
/// progress (WAL snapshot isolation), so a long `loadAll()` for the API never holds up a
/// VM operation. An in-memory store (``inMemory()``) uses a single `DatabaseQueue`.
///
/// All methods are synchronous and may block for the duration of an `fsync`; they are safe
/// to call from any thread or task. See `Docs/store.md` for the on-disk format.
public final class VMStore: Sendable {
    /// The database connection(s); GRDB's readers and writers are thread-safe and Sendable.
    let writer: any DatabaseWriter

    /// The database file, or `nil` for an in-memory store.
    public let path: String?

    /// Opens the store at `path`, creating the file and its parent directory if needed,
    /// and brings its schema up to date.
    ///
    /// A file that is not a state store, or whose schema is newer than this code, is
    /// inspected through a read-only connection and refused before anything writes to it.
    ///
    /// - Parameter path: The database file, e.g. `/var/lib/xenopsd-ng/state.db`.
    /// - Throws: `StoreError` with code ``StoreError/Code/cannotOpen`` when the directory or
    ///   file cannot be created or opened, ``StoreError/Code/notADatabase`` or
    ///   ``StoreError/Code/notAStateStore`` for a file that is not a state store,
    ///   ``StoreError/Code/newerSchema`` for a store written by a newer xenopsd-ng, and
    ///   ``StoreError/Code/migrationFailed`` when a migration fails (the store is then left
    ///   as it was).
    public init(path: String) throws(StoreError) {
        self.path = path
        writer = try Self.openFile(path)
    }

    private init(writer: any DatabaseWriter) {
        self.writer = writer
        self.path = nil
    }

    /// Creates an empty store that lives in memory only, for tests and `--backend simulator`
    /// runs that must not touch the disk.
    /// - Throws: `StoreError` if SQLite cannot create the database.
    public static func inMemory() throws(StoreError) -> VMStore {
        try VMStore(writer: openInMemory())
    }

    /// The newest schema version this code knows and writes.
    public static var currentSchemaVersion: Int { Schema.currentVersion }

    /// The schema version of the store (`PRAGMA user_version`); equal to
    /// ``currentSchemaVersion`` once the store is open.
    /// - Throws: `StoreError` if the database cannot be read.
    public func schemaVersion() throws(StoreError) -> Int {
        try read("read the schema version") { db in
            try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        }
    }

    /// Closes the database. Committed data is already durable; closing first folds the WAL
    /// into the main file and truncates it (best effort: if that fails, the WAL is simply
    /// replayed at the next open). Any later call on this store fails with
    /// ``StoreError/Code/closed``. Closing twice is harmless.
    /// - Throws: `StoreError` if SQLite cannot close the database.
    public func close() throws(StoreError) {
        if path != nil {
            // GRDB does not guard checkpoint() against a closed connection (SQLite would be
            // handed a NULL handle), hence the check; it runs on the writer's serial queue.
            _ = try? writer.writeWithoutTransaction { db in
                if db.sqliteConnection != nil { try db.checkpoint(.truncate) }
            }
        }
        do {
            try writer.close()
        } catch {
            throw StoreError.converting(error, operation: "close the store", path: path)
        }
    }

    // MARK: - Transactions

    /// Runs `body` in a read transaction, converting errors at the module edge.
    func read<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError.converting(error, operation: operation(), path: path)
        }
    }

    /// Runs `body` in one write transaction, converting errors at the module edge.
    func write<T>(_ operation: @autoclosure () -> String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreError.converting(error, operation: operation(), path: path)
        }
    }
}

/// A failure of the state store: what failed, why, and what to do about it.
///
/// Errors from SQLite and GRDB never leave `XenopsStore` as they are; they are converted at
/// the module edge into a `StoreError` that keeps the original error in ``cause``. The
/// ``description`` is a complete sentence fit for an operator, for example:
///
/// ```
/// cannot open state store at /x/state.db: unable to open database file (SQLite 14).
/// Check that the directory exists and is writable, or pass --state-dir.
/// ```
public struct StoreError: Error, CustomStringConvertible {
    /// The class of failure, for code that must react to it (``Code/noSuchVM``, …).
    public var code: Code
    /// What was being done, as a short phrase: `"open"`, `"store VM 0f3c…"`, `"load all VMs"`.
    public var operation: String
    /// The database file, or `nil` for an in-memory store.
    public var path: String?
    /// Why it failed, e.g. `"unable to open database file (SQLite 14)"`.
    public var reason: String
    /// What the operator or the caller should do next.
    public var remedy: String
    /// The underlying error (usually a GRDB `DatabaseError`), kept for logs and debugging.
    public var cause: (any Error)?

    /// Creates a store error.
    /// - Parameters:
    ///   - code: The class of failure.
    ///   - operation: What was being done, as a short phrase.
    ///   - path: The database file, or `nil` for an in-memory store.
    ///   - reason: Why it failed.
    ///   - remedy: What to do next.
    ///   - cause: The underlying error, if any.
    public init(code: Code, operation: String, path: String?, reason: String, remedy: String, cause: (any Error)? = nil) {
        self.code = code
        self.operation = operation
        self.path = path
        self.reason = reason
        self.remedy = remedy
        self.cause = cause
    }

    /// The whole message: `cannot <operation> <store>: <reason>. <remedy>`.
    public var description: String {
        let store = path.map { "state store at \($0)" } ?? "in-memory state store"
        let head = operation == "open" ? "cannot open \(store)" : "cannot \(operation) (\(store))"
        let why = reason.hasSuffix(".") ? String(reason.dropLast()) : reason
        return remedy.isEmpty ? "\(head): \(why)." : "\(head): \(why). \(remedy)"
    }
}

extension StoreError {
    /// The class of a ``StoreError``.
    ///
    /// An open set of values rather than an enum, so that adding a code later does not break
    /// callers that `switch` over it; compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A stable, lower-case name for logs and error payloads, e.g. `"no_such_vm"`.
        public let name: String

        private init(_ name: String) { self.name = name }

        /// The name of the code.
        public var description: String { name }

        /// The database file or its directory cannot be created or opened.
        public static let cannotOpen = Code("cannot_open")
        /// The file exists but is not an SQLite database.
        public static let notADatabase = Code("not_a_database")
        /// The file is an SQLite database, but not a xenopsd-ng state store.
        public static let notAStateStore = Code("not_a_state_store")
        /// The store was written by a newer xenopsd-ng whose schema this code does not know.
        public static let newerSchema = Code("newer_schema")
        /// A schema migration failed; the store was left at its previous version.
        public static let migrationFailed = Code("migration_failed")
        /// The database is damaged (SQLite reports corruption, or a row cannot be read back).
        public static let corrupt = Code("corrupt")
        /// The operation names a VM that is not in the store.
        public static let noSuchVM = Code("no_such_vm")
        /// The caller passed a value the store cannot keep (empty id, duplicate device, …).
        public static let invalidArgument = Code("invalid_argument")
        /// Another process holds a lock on the database for too long.
        public static let busy = Code("busy")
        /// The database or its directory cannot be written (permissions, read-only mount).
        public static let readOnly = Code("read_only")
        /// The filesystem holding the database is full.
        public static let diskFull = Code("disk_full")
        /// The operating system reported an I/O error.
        public static let ioError = Code("io_error")
        /// The store was used after ``VMStore/close()``.
        public static let closed = Code("closed")
        /// Any other failure; the ``StoreError/cause`` says more.
        public static let other = Code("other")
    }
}

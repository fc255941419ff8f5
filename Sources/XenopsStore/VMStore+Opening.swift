internal import Foundation
internal import GRDB

extension VMStore {
    /// Opens a file store: directory and file, read-only inspection, pool, migrations.
    static func openFile(_ path: String) throws(StoreError) -> DatabasePool {
        try createParentDirectory(of: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StoreError(
                code: .cannotOpen, operation: "open", path: path,
                reason: "it is a directory, not a database file",
                remedy: "Give the path of the database file (the store is \(defaultFileName) inside the state directory), or pass --state-dir.")
        }
        createFileIfMissing(path)
        try inspectReadOnly(path)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration())
            // GRDB sets `synchronous = NORMAL` on the writer when it turns WAL on, after
            // prepareDatabase has run: set FULL again on the writer, the connection that
            // commits. NORMAL would survive a crash of the process but could lose the
            // last commits on a power loss.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw StoreError.converting(error, operation: "open", path: path)
        }
        try migrate(pool, path: path)
        return pool
    }

    /// Opens an in-memory store and creates its schema.
    static func openInMemory() throws(StoreError) -> DatabaseQueue {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw StoreError.converting(error, operation: "open", path: nil)
        }
        try migrate(queue, path: nil)
        return queue
    }

    /// The configuration of every connection. A `DatabasePool` puts the file in WAL mode.
    private static func configuration(readonly: Bool = false) -> Configuration {
        var config = Configuration()
        config.label = "xenopsd-ng.store"
        config.readonly = readonly
        config.foreignKeysEnabled = true
        // Wait for a lock held by another process (a second daemon, the sqlite3 shell)
        // rather than failing at once.
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            // Every connection: each commit fsyncs the WAL (see openFile for the writer).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return config
    }

    /// Looks at an existing file through a read-only connection, and refuses it if it is
    /// not a state store or has a newer schema, so that a refused file is never written.
    private static func inspectReadOnly(_ path: String) throws(StoreError) {
        let found: Schema.Inspection
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration(readonly: true))
            found = try queue.read { db in try Schema.inspect(db) }
            try queue.close()
        } catch {
            throw StoreError.converting(error, operation: "open", path: path)
        }
        try Schema.check(found, path: path)
    }

    /// Runs the pending migrations, each in its own transaction.
    private static func migrate(_ writer: any DatabaseWriter, path: String?) throws(StoreError) {
        do {
            try Schema.migrator.migrate(writer)
        } catch {
            var storeError = StoreError.converting(error, operation: "open", path: path)
            if storeError.code == .other {
                storeError.code = .migrationFailed
                storeError.reason = "migrating the schema to version \(Schema.currentVersion) failed: \(storeError.reason)"
                storeError.remedy = "The store was left at its previous version. Keep a copy of the file and report this message."
            }
            throw storeError
        }
    }

    private static func createParentDirectory(of path: String) throws(StoreError) {
        let directory = (path as NSString).deletingLastPathComponent
        guard !directory.isEmpty else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue {
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // Make the new directory entry durable too, not only the files inside it.
            syncDirectory((directory as NSString).deletingLastPathComponent)
        } catch {
            throw StoreError(
                code: .cannotOpen, operation: "open", path: path,
                reason: "cannot create the directory \(directory) (\(describe(error)))",
                remedy: "Check that the parent directories exist and are writable, or pass --state-dir.",
                cause: error)
        }
    }

    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}

/// Creates an empty database file readable by its owner only: the store may hold secrets
/// from VM configurations, and SQLite gives the -wal and -shm files the mode of the
/// database file. An empty file is a valid empty SQLite database. If the file exists
/// already, or cannot be created, SQLite opens it or reports the failure next.
private func createFileIfMissing(_ path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
    let directory = (path as NSString).deletingLastPathComponent
    syncDirectory(directory.isEmpty ? "." : directory)
}

/// Flushes a directory's entries to disk (best effort), so that a file or directory just
/// created in it survives a power loss.
private func syncDirectory(_ path: String) {
    let fd = open(path.isEmpty ? "/" : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { return }
    fsync(fd)
    close(fd)
}

internal import GRDB

extension VMStore {
    /// Runs raw SQL in one write transaction, outside the store's API. For the package's
    /// tests only (simulating a newer schema or a foreign file); never call it from the
    /// daemon.
    /// - Parameter sql: One or more SQL statements.
    /// - Throws: `StoreError` if SQLite rejects the statements.
    package func executeRawSQL(_ sql: String) throws(StoreError) {
        try write("execute raw SQL") { db in try db.execute(sql: sql) }
    }

    /// The first column of the first row of a raw SQL query, as text, run on the writer
    /// connection (the one whose pragmas matter for durability). For the package's tests only.
    /// - Parameter sql: A query, e.g. `PRAGMA synchronous`.
    /// - Returns: The value as text, or `nil` for no row or NULL.
    /// - Throws: `StoreError` if SQLite rejects the query.
    package func fetchRawText(_ sql: String) throws(StoreError) -> String? {
        do {
            return try writer.writeWithoutTransaction { db in try String.fetchOne(db, sql: sql) }
        } catch {
            throw StoreError.converting(error, operation: "execute raw SQL", path: path)
        }
    }

    /// Like ``fetchRawText(_:)``, on a reader connection. For the package's tests only.
    /// - Parameter sql: A query.
    /// - Returns: The value as text, or `nil` for no row or NULL.
    /// - Throws: `StoreError` if SQLite rejects the query.
    package func fetchRawTextOnReader(_ sql: String) throws(StoreError) -> String? {
        try read("execute raw SQL") { db in try String.fetchOne(db, sql: sql) }
    }

    /// Every row of a raw SQL query, first column only, as text. For the package's tests only.
    /// - Parameter sql: A query.
    /// - Returns: The values as text (NULL as an empty string).
    /// - Throws: `StoreError` if SQLite rejects the query.
    package func fetchRawTexts(_ sql: String) throws(StoreError) -> [String] {
        try read("execute raw SQL") { db in try String?.fetchAll(db, sql: sql).map { $0 ?? "" } }
    }
}

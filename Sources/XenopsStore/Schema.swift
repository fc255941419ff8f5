internal import GRDB

/// The on-disk schema: its version, its marker and its migrations (see `Docs/store.md`).
enum Schema {
    /// The schema version this code writes, recorded in `PRAGMA user_version` by the last
    /// migration. A store with a higher version is refused.
    static let currentVersion = 1

    /// `PRAGMA application_id` of a xenopsd-ng state store: "XOPS" in ASCII.
    static let applicationID: Int32 = 0x584F_5053

    /// Every migration, in order. A migration is never edited once released: change the
    /// schema by appending a new one that also sets `user_version` to the next number.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vm (
                        id         TEXT NOT NULL PRIMARY KEY,
                        config     TEXT NOT NULL,
                        domains    TEXT,
                        runtime    TEXT,
                        updated_at TEXT NOT NULL
                    );
                    CREATE TABLE device (
                        vm_id  TEXT NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
                        kind   TEXT NOT NULL,
                        id     TEXT NOT NULL,
                        config TEXT NOT NULL,
                        PRIMARY KEY (vm_id, kind, id)
                    );
                    PRAGMA application_id = \(applicationID);
                    PRAGMA user_version = 1;
                    """)
        }
        return migrator
    }

    /// What an existing database file holds, read before any migration runs.
    struct Inspection {
        var applicationID: Int32
        var userVersion: Int
        var tables: [String]
        var unknownMigrations: [String]
    }

    static func inspect(_ db: Database) throws -> Inspection {
        let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        let known = Set(migrator.migrations)
        let applied = try migrator.appliedIdentifiers(db)
        return Inspection(
            applicationID: appID, userVersion: userVersion, tables: tables,
            unknownMigrations: applied.filter { !known.contains($0) }.sorted())
    }

    /// Refuses a database that is not a state store, or whose schema is newer than
    /// ``currentVersion``, before anything writes to it.
    static func check(_ found: Inspection, path: String?) throws(StoreError) {
        let isFresh = found.applicationID == 0 && found.tables.isEmpty && found.userVersion == 0
        if found.applicationID != applicationID && !isFresh {
            throw StoreError(
                code: .notAStateStore, operation: "open", path: path,
                reason: "the file is an SQLite database but not a xenopsd-ng state store (application_id \(found.applicationID), tables: \(found.tables.joined(separator: ", ")))",
                remedy: "Refusing to modify it. Pass --state-dir to point at the state directory, or move the file aside.")
        }
        if found.userVersion > currentVersion || !found.unknownMigrations.isEmpty {
            let unknown = found.unknownMigrations.isEmpty ? "" : " and unknown migrations \(found.unknownMigrations.joined(separator: ", "))"
            throw StoreError(
                code: .newerSchema, operation: "open", path: path,
                reason: "the store has schema version \(found.userVersion)\(unknown), but this xenopsd-ng knows versions up to \(currentVersion)",
                remedy: "Refusing to run rather than damage it: run the newer xenopsd-ng that wrote it, or restore a backup made before the upgrade.")
        }
    }
}

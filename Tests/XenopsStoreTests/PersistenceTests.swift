import Foundation
import Testing
import XenopsStore

@Suite("Persistence")
struct PersistenceTests {
    @Test("everything stored is there after close and reopen")
    func reopen() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let vms = (0..<20).map { Fixtures.vm(String(format: "vm-%02d", $0)) }
        do {
            let store = try VMStore(path: path)
            for vm in vms { try store.put(vm) }
            try store.setRuntime(vmID: "vm-03", #"{"reopened":true}"#)
            #expect(try store.remove(id: "vm-07"))
            try store.close()
        }
        var expected = vms.filter { $0.id != "vm-07" }
        expected[3].runtime = #"{"reopened":true}"#
        let reopened = try VMStore(path: path)
        #expect(reopened.path == path)
        #expect(try reopened.loadAll() == expected)
        try reopened.close()
    }

    @Test("data committed without close (the WAL is not checkpointed) is there at the next open")
    func reopenWithoutClose() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        do {
            let store = try VMStore(path: path)
            try store.put(Fixtures.vm("a1"))
        }
        let reopened = try VMStore(path: path)
        #expect(try reopened.load(id: "a1") == Fixtures.vm("a1"))
        try reopened.close()
    }

    @Test("a missing parent directory is created, owner-only, and so is the file")
    func createsParentDirectory() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("var/lib/xenopsd-ng/state.db")
        let store = try VMStore(path: path)
        try store.put(Fixtures.vm("a1"))
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("var/lib/xenopsd-ng"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        let fileAttributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((fileAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        try store.close()
    }

    @Test("the store runs in WAL mode with synchronous=FULL and foreign keys on, writer and readers")
    func pragmas() throws {
        let dir = try TemporaryDirectory()
        let store = try VMStore(path: dir.file("state.db"))
        // The writer is the connection that commits; GRDB would leave it at NORMAL (1).
        #expect(try store.fetchRawText("PRAGMA journal_mode") == "wal")
        #expect(try store.fetchRawText("PRAGMA synchronous") == "2")
        #expect(try store.fetchRawText("PRAGMA foreign_keys") == "1")
        #expect(try store.fetchRawTextOnReader("PRAGMA synchronous") == "2")
        #expect(try store.fetchRawTextOnReader("PRAGMA foreign_keys") == "1")
        try store.close()
    }

    @Test("migrations record the schema version, the applied migrations and the file marker")
    func schemaVersion() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let store = try VMStore(path: path)
        #expect(try store.schemaVersion() == 1)
        #expect(VMStore.currentSchemaVersion == 1)
        #expect(try store.fetchRawTexts("SELECT identifier FROM grdb_migrations") == ["v1"])
        #expect(try store.fetchRawText("PRAGMA application_id") == String(0x584F_5053))
        #expect(try store.fetchRawTexts("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            == ["device", "grdb_migrations", "vm"])
        try store.close()
        // Reopening does not run the migration again.
        let reopened = try VMStore(path: path)
        #expect(try reopened.schemaVersion() == 1)
        #expect(try reopened.fetchRawTexts("SELECT identifier FROM grdb_migrations") == ["v1"])
        try reopened.close()
        #expect(try VMStore.inMemory().schemaVersion() == 1)
    }

    @Test("an empty file is taken as a new store")
    func emptyFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let store = try VMStore(path: path)
        #expect(try store.schemaVersion() == 1)
        try store.close()
    }

    @Test("updated_at is set on every change")
    func updatedAt() throws {
        let store = try VMStore.inMemory()
        try store.put(Fixtures.vm("a1"))
        let stamp = try #require(try store.fetchRawText("SELECT updated_at FROM vm WHERE id = 'a1'"))
        #expect(stamp.count == 24 && stamp.hasSuffix("Z"))
    }
}

import Foundation
import Testing
import XenopsStore

@Suite("Refusals and errors")
struct RefusalTests {
    @Test("a store with a newer schema version is refused and left untouched")
    func newerUserVersion() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let store = try VMStore(path: path)
        try store.put(Fixtures.vm("a1"))
        try store.executeRawSQL("PRAGMA user_version = 2")
        try store.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let error = #expect(throws: StoreError.self) { try VMStore(path: path) }
        #expect(error?.code == .newerSchema)
        #expect(error?.path == path)
        #expect(error?.description.contains("schema version 2") == true)
        #expect(error?.description.contains("knows versions up to 1") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a store with a migration this code does not know is refused")
    func unknownMigration() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let store = try VMStore(path: path)
        try store.executeRawSQL("INSERT INTO grdb_migrations (identifier) VALUES ('v2-snapshots')")
        try store.close()
        let error = #expect(throws: StoreError.self) { try VMStore(path: path) }
        #expect(error?.code == .newerSchema)
        #expect(error?.description.contains("v2-snapshots") == true)
    }

    @Test("a file that is not an SQLite database gives a clear error and is left untouched")
    func garbageFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let garbage = Data(String(repeating: "this is not a database, just some text. ", count: 400).utf8)
        try garbage.write(to: URL(fileURLWithPath: path))

        let error = #expect(throws: StoreError.self) { try VMStore(path: path) }
        #expect(error?.code == .notADatabase)
        let message = error?.description ?? ""
        #expect(message.hasPrefix("cannot open state store at \(path): file is not a database (SQLite 26)."))
        #expect(message.contains("Move it aside"))
        #expect(error?.cause != nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test("an SQLite database of another program is refused")
    func foreignDatabase() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        let store = try VMStore(path: path)
        try store.executeRawSQL("PRAGMA application_id = 1234")
        try store.close()
        let error = #expect(throws: StoreError.self) { try VMStore(path: path) }
        #expect(error?.code == .notAStateStore)
        #expect(error?.description.contains("not a xenopsd-ng state store") == true)
    }

    @Test("a damaged database gives a StoreError, not a crash")
    func damagedDatabase() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        do {
            let store = try VMStore(path: path)
            for i in 0..<200 { try store.put(Fixtures.vm("vm-\(i)", config: String(repeating: "x", count: 3000))) }
            try store.close()
        }
        // Keep the header page (page 1, which holds the schema) and scribble over the rest.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: Int(size) - 4096))
        try handle.close()

        let error = #expect(throws: StoreError.self) {
            let store = try VMStore(path: path)
            _ = try store.loadAll()
        }
        #expect(error.map { [.corrupt, .notADatabase].contains($0.code) } == true, "got \(String(describing: error))")
    }

    @Test("a path that cannot be created names the path and says what to do")
    func cannotCreateDirectory() throws {
        let dir = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: dir.file("plain-file"), contents: Data()))
        let path = dir.file("plain-file/sub/state.db")
        let error = #expect(throws: StoreError.self) { try VMStore(path: path) }
        #expect(error?.code == .cannotOpen)
        #expect(error?.description.hasPrefix("cannot open state store at \(path): cannot create the directory") == true)
        #expect(error?.description.hasSuffix("or pass --state-dir.") == true)
    }

    @Test("a path that SQLite cannot open gives the SQLite reason and the remedy")
    func cannotOpenFile() throws {
        let dir = try TemporaryDirectory()
        // A file name longer than NAME_MAX: open(2) fails with ENAMETOOLONG, even for root.
        let path = dir.file(String(repeating: "s", count: 300) + ".db")
        let error = #expect(throws: StoreError.self) { try VMStore(path: path) }
        #expect(error?.code == .cannotOpen)
        #expect(error?.description
            == "cannot open state store at \(path): unable to open database file (SQLite 14). Check that the directory exists and is writable, or pass --state-dir.")
    }

    @Test("a directory given as the database path is refused with a hint")
    func directoryAsPath() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: StoreError.self) { try VMStore(path: dir.path) }
        #expect(error?.code == .cannotOpen)
        #expect(error?.description.contains("it is a directory") == true)
    }

    @Test("a closed store refuses further use with a clear error; closing twice is harmless")
    func useAfterClose() throws {
        let dir = try TemporaryDirectory()
        let store = try VMStore(path: dir.file("state.db"))
        try store.close()
        try store.close()
        let error = #expect(throws: StoreError.self) { try store.loadAll() }
        #expect(error?.code == .closed)
        #expect(error?.description.contains("load all VMs") == true)
    }
}

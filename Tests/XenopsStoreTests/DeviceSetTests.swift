import Testing
import XenopsStore

@Suite("Device sets")
struct DeviceSetTests {
    @Test("put replaces the whole device set: devices not listed are gone")
    func putReplacesDevices() throws {
        let store = try VMStore.inMemory()
        try store.put(Fixtures.vm("a1", devices: [Fixtures.vbd("xvda"), Fixtures.vbd("xvdb"), Fixtures.vbd("xvdc")]))
        let replacement = Fixtures.vm("a1", config: #"{"v":2}"#, devices: [Fixtures.vbd("xvdb", #","v":2"#)])
        try store.put(replacement)
        #expect(try store.load(id: "a1") == replacement)
        try store.put(Fixtures.vm("a1", devices: []))
        #expect(try store.load(id: "a1")?.devices == [])
    }

    @Test("a put that fails leaves the previous VM and devices untouched")
    func failedPutIsAtomic() throws {
        let dir = try TemporaryDirectory()
        let store = try VMStore(path: dir.file("state.db"))
        let original = Fixtures.vm("a1", devices: [Fixtures.vbd("xvda"), Fixtures.vbd("xvdb")])
        try store.put(original)
        // A trigger makes the insert of one device fail half way through the transaction.
        try store.executeRawSQL("""
            CREATE TRIGGER fail_xvdz BEFORE INSERT ON device WHEN NEW.id = 'xvdz'
            BEGIN SELECT RAISE(ABORT, 'injected failure'); END
            """)
        #expect(throws: StoreError.self) {
            try store.put(Fixtures.vm("a1", config: #"{"v":2}"#, devices: [Fixtures.vbd("xvdc"), Fixtures.vbd("xvdz")]))
        }
        #expect(try store.load(id: "a1") == original)
        try store.close()
    }

    @Test("putDevice adds or replaces one device of a stored VM")
    func putDevice() throws {
        let store = try VMStore.inMemory()
        try store.put(Fixtures.vm("a1", devices: [Fixtures.vbd("xvda")]))
        try store.putDevice(vmID: "a1", Fixtures.vbd("xvdb"))
        try store.putDevice(vmID: "a1", Fixtures.vbd("xvda", #","mode":"RO""#))
        #expect(try store.load(id: "a1")?.devices == [Fixtures.vbd("xvda", #","mode":"RO""#), Fixtures.vbd("xvdb")])
    }

    @Test("putDevice on a missing VM fails with noSuchVM and stores nothing")
    func putDeviceOnMissingVM() throws {
        let store = try VMStore.inMemory()
        let error = #expect(throws: StoreError.self) { try store.putDevice(vmID: "ghost", Fixtures.vbd("xvda")) }
        #expect(error?.code == .noSuchVM)
        #expect(error?.description.contains("ghost") == true)
        #expect(try store.loadAll().isEmpty)
    }

    @Test("removeDevice removes one device and says whether it existed")
    func removeDevice() throws {
        let store = try VMStore.inMemory()
        try store.put(Fixtures.vm("a1", devices: [Fixtures.vbd("xvda"), Fixtures.vbd("xvdb")]))
        #expect(try store.removeDevice(vmID: "a1", kind: .vbd, id: "xvda"))
        #expect(try !store.removeDevice(vmID: "a1", kind: .vbd, id: "xvda"))
        #expect(try !store.removeDevice(vmID: "a1", kind: .vif, id: "xvdb"))
        #expect(try !store.removeDevice(vmID: "ghost", kind: .vbd, id: "xvdb"))
        #expect(try store.load(id: "a1")?.devices == [Fixtures.vbd("xvdb")])
    }

    @Test("remove deletes the VM and cascades to its devices only")
    func removeCascades() throws {
        let store = try VMStore.inMemory()
        try store.put(Fixtures.vm("a1"))
        try store.put(Fixtures.vm("b2"))
        #expect(try store.remove(id: "a1"))
        #expect(try !store.remove(id: "a1"))
        #expect(try store.load(id: "a1") == nil)
        #expect(try store.fetchRawText("SELECT COUNT(*) FROM device WHERE vm_id = 'a1'") == "0")
        #expect(try store.load(id: "b2") == Fixtures.vm("b2"))
        // A VM stored again under the same id starts without the old devices.
        try store.put(Fixtures.vm("a1", devices: []))
        #expect(try store.load(id: "a1")?.devices == [])
    }
}

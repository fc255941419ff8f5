import Testing
import XenopsStore

@Suite("Round trips")
struct RoundTripTests {
    @Test("a stored VM loads back field for field")
    func roundTrip() throws {
        let store = try VMStore.inMemory()
        let vm = Fixtures.vm("a1")
        try store.put(vm)
        #expect(try store.load(id: "a1") == vm)
        #expect(try store.loadAll() == [vm])
        #expect(try store.count() == 1)
    }

    @Test("optional blobs, empty device sets and unusual text survive")
    func edgeValues() throws {
        let store = try VMStore.inMemory()
        let bare = StoredVM(id: "bare", config: "{}")
        let odd = StoredVM(
            id: "odd ü'\"; DROP TABLE vm; --",
            config: #"{"name":"héllo \u0000 wörld","emoji":"🐧","quote":"'\""}"#,
            devices: [StoredDevice(kind: .vusb, id: "usb 0'", config: "")],
            domains: "", runtime: "not even JSON")
        try store.put(bare)
        try store.put(odd)
        #expect(try store.load(id: "bare") == bare)
        #expect(try store.load(id: odd.id) == odd)
    }

    @Test("load of an unknown id is nil; an empty store loads as empty")
    func missing() throws {
        let store = try VMStore.inMemory()
        #expect(try store.load(id: "nope") == nil)
        #expect(try store.loadAll().isEmpty)
        #expect(try store.count() == 0)
    }

    @Test("loadAll sorts VMs by id and devices by kind then id, numeric ids as numbers")
    func ordering() throws {
        let store = try VMStore.inMemory()
        let devices = [
            StoredDevice(kind: .vusb, id: "0", config: "{}"),
            StoredDevice(kind: .vif, id: "10", config: "{}"),
            StoredDevice(kind: .pci, id: "0", config: "{}"),
            StoredDevice(kind: .vif, id: "2", config: "{}"),
            Fixtures.vbd("xvdb"),
            StoredDevice(kind: .vgpu, id: "0", config: "{}"),
            Fixtures.vbd("xvda"),
        ]
        for id in ["c", "a", "b"] { try store.put(Fixtures.vm(id, devices: devices)) }
        let all = try store.loadAll()
        #expect(all.map(\.id) == ["a", "b", "c"])
        let order = all[0].devices.map { "\($0.kind.rawValue)/\($0.id)" }
        #expect(order == ["vbd/xvda", "vbd/xvdb", "vif/2", "vif/10", "pci/0", "vgpu/0", "vusb/0"])
        #expect(try store.load(id: "b")?.devices == all[1].devices)
    }

    @Test("setRuntime and setDomains replace or clear one blob and keep the rest")
    func blobs() throws {
        let store = try VMStore.inMemory()
        var vm = Fixtures.vm("a1")
        try store.put(vm)
        try store.setRuntime(vmID: "a1", #"{"suspended":true}"#)
        try store.setDomains(vmID: "a1", nil)
        vm.runtime = #"{"suspended":true}"#
        vm.domains = nil
        #expect(try store.load(id: "a1") == vm)
        try store.setRuntime(vmID: "a1", nil)
        vm.runtime = nil
        #expect(try store.load(id: "a1") == vm)
    }

    @Test("setRuntime and setDomains on a missing VM fail with noSuchVM")
    func blobsOnMissingVM() throws {
        let store = try VMStore.inMemory()
        let runtime = #expect(throws: StoreError.self) { try store.setRuntime(vmID: "ghost", "{}") }
        #expect(runtime?.code == .noSuchVM)
        let domains = #expect(throws: StoreError.self) { try store.setDomains(vmID: "ghost", "{}") }
        #expect(domains?.code == .noSuchVM)
        #expect(try store.count() == 0)
    }

    @Test("invalid records are refused before anything is written")
    func invalidRecords() throws {
        let store = try VMStore.inMemory()
        let emptyID = #expect(throws: StoreError.self) { try store.put(StoredVM(id: "", config: "{}")) }
        #expect(emptyID?.code == .invalidArgument)
        let twice = #expect(throws: StoreError.self) {
            try store.put(Fixtures.vm("a1", devices: [Fixtures.vbd("xvda"), Fixtures.vbd("xvda", #","mode":"RO""#)]))
        }
        #expect(twice?.code == .invalidArgument)
        #expect(twice?.description.contains("vbd/xvda is listed twice") == true)
        #expect(try store.count() == 0)
    }
}

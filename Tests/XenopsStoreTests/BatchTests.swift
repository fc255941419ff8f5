import Foundation
import Testing
import XenopsStore

@Suite("Batched changes (group commit)")
struct BatchTests {
    static func vm(_ id: String, _ config: String = "{}") -> StoredVM {
        StoredVM(id: id, config: config, devices: [StoredDevice(kind: .vbd, id: "xvda", config: "{}")], domains: nil, runtime: nil)
    }

    @Test func allChangesLandTogether() throws {
        let store = try VMStore.inMemory()
        try store.apply([.put(Self.vm("a")), .put(Self.vm("b")), .setRuntime(vmID: "a", "{\"t\":1}"), .remove(id: "b")])
        let all = try store.loadAll()
        #expect(all.map(\.id) == ["a"])
        #expect(all.first?.runtime == "{\"t\":1}")
        #expect(all.first?.devices.count == 1)
    }

    @Test func aFailingChangeRollsBackTheWholeBatch() throws {
        let store = try VMStore.inMemory()
        try store.put(Self.vm("a"))
        #expect(throws: StoreError.self) {
            try store.apply([.put(Self.vm("b")), .setRuntime(vmID: "missing", "{}")])
        }
        #expect(try store.loadAll().map(\.id) == ["a"])
    }
}

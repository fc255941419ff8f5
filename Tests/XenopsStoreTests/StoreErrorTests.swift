import Testing
import XenopsStore

@Suite("StoreError")
struct StoreErrorTests {
    struct Underlying: Error {}

    @Test("the description says what failed, where, why and what to do")
    func description() {
        let open = StoreError(
            code: .cannotOpen, operation: "open", path: "/x/state.db",
            reason: "unable to open database file (SQLite 14)",
            remedy: "Check that the directory exists and is writable, or pass --state-dir.")
        #expect(open.description
            == "cannot open state store at /x/state.db: unable to open database file (SQLite 14). Check that the directory exists and is writable, or pass --state-dir.")

        let other = StoreError(
            code: .noSuchVM, operation: "store device vbd/xvda of VM a1", path: nil,
            reason: "there is no VM a1 in the store.", remedy: "Store the VM first.", cause: Underlying())
        #expect(other.description
            == "cannot store device vbd/xvda of VM a1 (in-memory state store): there is no VM a1 in the store. Store the VM first.")
        #expect(other.cause is Underlying)
    }

    @Test("codes compare by name and print their name")
    func codes() {
        #expect(StoreError.Code.noSuchVM == .noSuchVM)
        #expect(StoreError.Code.noSuchVM != .closed)
        #expect(StoreError.Code.newerSchema.description == "newer_schema")
    }
}

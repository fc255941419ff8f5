import Testing
import XenopsCore
import XenopsRPC

/// `RPCRequest.decode`: the v1 form XAPI sends, JSON-RPC 2.0, and malformed envelopes.
@Suite("RPC: request decoding")
struct RPCRequestDecodeTests {
    private func decode(_ text: String) throws(RPCFailure) -> RPCRequest {
        try RPCRequest.decode(Array(text.utf8))
    }

    @Test("v1 as XAPI sends it: no jsonrpc member, every named parameter in params[0]")
    func v1Named() throws {
        let r = try decode(#"{"method":"VM.start","params":[{"debug_info":"Async.VM.start R:593283cf10c0","id":"7b71","paused":false}],"id":18}"#)
        #expect(r.flavour == .v1)
        #expect(r.method == "VM.start")
        #expect(r.id == .int(18))
        #expect(r.params["debug_info"] == .string("Async.VM.start R:593283cf10c0"))
        #expect(r.params["id"] == .string("7b71"))
        #expect(r.params["paused"] == .bool(false))
        #expect(r.params.positional.isEmpty)
    }

    @Test("named parameter keys match case-insensitively, as ocaml-rpc lowercases them")
    func caseInsensitiveKeys() throws {
        let r = try decode(#"{"method":"VM.stat","params":[{"Debug_Info":"x","ID":"7b71"}],"id":1}"#)
        #expect(r.params["id"] == .string("7b71"))
        #expect(r.params["debug_info"] == .string("x"))
    }

    @Test("unnamed parameters after the named object stay positional")
    func v1MixedPositional() throws {
        let r = try decode(#"{"method":"X.y","params":[{"debug_info":"d"},1,"two"],"id":3}"#)
        #expect(r.params["debug_info"] == .string("d"))
        #expect(r.params.positional == [.int(1), .string("two")])
    }

    @Test("legacy positional v1 calls from clients older than debug_info decode as positional")
    func legacyPositional() throws {
        let q = try decode(#"{"method":"query","params":["dbg",null],"id":1}"#)
        #expect(q.flavour == .v1)
        #expect(!q.params.hasNamed)
        #expect(q.params.positional == [.string("dbg"), .null])
        let m = try decode(#"{"method":"VM.import_metadata","params":["dbg","{\"vm\":{}}"],"id":2}"#)
        #expect(m.params.positional == [.string("dbg"), .string(#"{"vm":{}}"#)])
    }

    @Test("JSON-RPC 2.0 with params as an object")
    func v2Object() throws {
        let r = try decode(#"{"jsonrpc":"2.0","method":"Task.stat","params":{"debug_info":"t","id":"57"},"id":"abc"}"#)
        #expect(r.flavour == .v2)
        #expect(r.id == .string("abc"))
        #expect(r.params["id"] == .string("57"))
    }

    @Test("JSON-RPC 2.0 with positional params")
    func v2Array() throws {
        let r = try decode(#"{"jsonrpc":"2.0","method":"Task.stat","params":["t","57"],"id":4}"#)
        #expect(r.flavour == .v2)
        #expect(r.params.positional == [.string("t"), .string("57")])
    }

    @Test("missing params and a missing id are accepted; the id is then null")
    func absentParamsAndID() throws {
        let r = try decode(#"{"method":"UPDATES.last_id"}"#)
        #expect(r.id == .null)
        #expect(!r.params.hasNamed)
        #expect(r.params.positional.isEmpty)
    }

    @Test("a body that is not JSON is a parse error in the v1 flavour with a null id")
    func notJSON() {
        #expect {
            _ = try decode("{not json")
        } throws: { error in
            guard let f = error as? RPCFailure, case .parseError = f.error else { return false }
            return f.flavour == .v1 && f.id == .null
        }
    }

    @Test("envelope errors: not an object, no method, bad params, bad jsonrpc version")
    func invalidEnvelopes() {
        let cases: [(String, RPCFlavour)] = [
            (#"[1,2]"#, .v1),
            (#"{"params":[],"id":1}"#, .v1),
            (#"{"method":"","id":1}"#, .v1),
            (#"{"method":"query","params":"x","id":1}"#, .v1),
            (#"{"jsonrpc":"1.0","method":"query","id":1}"#, .v2),
        ]
        for (text, flavour) in cases {
            #expect(throws: RPCFailure.self, "\(text)") { _ = try decode(text) }
            do { _ = try decode(text) } catch {
                #expect(error.flavour == flavour, "\(text)")
                if case .invalidRequest = error.error {} else { Issue.record("expected invalidRequest for \(text), got \(error.error)") }
            }
        }
    }

    @Test("the id of a bad request is kept so the error reply can echo it")
    func idKeptOnEnvelopeError() {
        do {
            _ = try decode(#"{"jsonrpc":"2.0","params":{},"id":99}"#)
            Issue.record("expected a failure")
        } catch {
            #expect(error.id == .int(99))
            #expect(error.flavour == .v2)
        }
    }
}

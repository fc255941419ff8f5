import Testing
import XenopsCore
import XenopsRPC

/// `RPCResponse.decode`: how a client reads replies of both flavours.
@Suite("RPC: reply decoding")
struct RPCResponseDecodeTests {
    private func decode(_ text: String) throws -> RPCOutcome {
        try RPCResponse.decode(try JSONValue.parse(text))
    }

    @Test("v1 success gives the result")
    func v1Success() throws {
        guard case .success(let v) = try decode(#"{"result":"57","error":null,"id":0}"#) else { Issue.record("not a success"); return }
        #expect(v == .string("57"))
    }

    @Test("v1 unit: result and error null is success with null")
    func v1Unit() throws {
        guard case .success(let v) = try decode(#"{"result":null,"error":null,"id":0}"#) else { Issue.record("not a success"); return }
        #expect(v == .null)
    }

    @Test("v1 failure gives the xenops error")
    func v1Failure() throws {
        guard case .failure(.xenops(let e)) = try decode(#"{"result":null,"error":["Does_not_exist",["task","57"]],"id":0}"#) else {
            Issue.record("not a xenops failure"); return
        }
        #expect(e == .doesNotExist(namespace: "task", path: "57"))
    }

    @Test("an unknown error tag decodes to Unknown_error, never a crash")
    func unknownTag() throws {
        guard case .failure(.xenops(let e)) = try decode(#"{"result":null,"error":["Brand_new_error","x"],"id":0}"#) else {
            Issue.record("not a xenops failure"); return
        }
        #expect(e == .unknownError)
    }

    @Test("v2 error carries the xenops error in data")
    func v2WithData() throws {
        let text = #"{"jsonrpc":"2.0","error":{"code":-32000,"message":"m","data":["Bad_power_state",["Halted","Running"]]},"id":1}"#
        guard case .failure(.xenops(let e)) = try decode(text) else { Issue.record("not a xenops failure"); return }
        #expect(e == .badPowerState(found: .halted, expected: .running))
    }

    @Test("v2 error without data keeps its message as an internal error")
    func v2WithoutData() throws {
        let text = #"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}"#
        guard case .failure(.xenops(let e)) = try decode(text) else { Issue.record("not a xenops failure"); return }
        #expect(e == .internalError("Method not found"))
    }

    @Test("v2 success")
    func v2Success() throws {
        guard case .success(let v) = try decode(#"{"jsonrpc":"2.0","result":[1,2],"id":1}"#) else { Issue.record("not a success"); return }
        #expect(v == .array([.int(1), .int(2)]))
    }

    @Test("a reply that is not an object is rejected")
    func notAnObject() {
        #expect(throws: RPCError.self) { _ = try decode("[1]") }
    }

    @Test("render then decode round-trips every error of the catalog")
    func roundTrip() throws {
        let errors: [XenopsError] = [
            .alreadyExists(namespace: "VM", path: "x"), .unimplemented("VM.migrate"), .cancelled(task: "3"),
            .failedToShutdown(vm: "v", timeout: 60), .internalError("boom"), .notEnoughMemory(1 << 30),
        ]
        for error in errors {
            for flavour in [RPCFlavour.v1, .v2] {
                let bytes = RPCResponse.render(.failure(.xenops(error)), flavour: flavour, id: .int(1))
                guard case .failure(.xenops(let back)) = try RPCResponse.decode(try JSONValue.parse(bytes)) else {
                    Issue.record("\(error) \(flavour) did not decode as a failure"); continue
                }
                #expect(back == error)
            }
        }
    }
}

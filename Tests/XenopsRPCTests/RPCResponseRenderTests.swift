import Testing
import XenopsCore
import XenopsRPC

/// `RPCResponse.render`: replies byte for byte as xenopsd writes them (§3.2).
@Suite("RPC: response rendering")
struct RPCResponseRenderTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("v1 success: result, error null, id")
    func v1Success() {
        let out = RPCResponse.render(.success(.string("57")), flavour: .v1, id: .int(18))
        #expect(text(out) == #"{"result":"57","error":null,"id":18}"#)
    }

    @Test("v1 unit result: result and error both null")
    func v1Unit() {
        let out = RPCResponse.render(.success(.null), flavour: .v1, id: .int(0))
        #expect(text(out) == #"{"result":null,"error":null,"id":0}"#)
    }

    @Test("v1 failure: the marshalled Errors.error in error")
    func v1Failure() {
        let error = XenopsError.doesNotExist(namespace: "VM", path: "00000000-0000-0000-0000-000000000bad/config")
        let out = RPCResponse.render(.failure(.xenops(error)), flavour: .v1, id: .int(0))
        #expect(text(out) == #"{"result":null,"error":["Does_not_exist",["VM","00000000-0000-0000-0000-000000000bad/config"]],"id":0}"#)
    }

    @Test("v1 failure without arguments is a bare tag")
    func v1BareTag() {
        let out = RPCResponse.render(.failure(.xenops(.deviceIsConnected)), flavour: .v1, id: .int(3))
        #expect(text(out) == #"{"result":null,"error":"Device_is_connected","id":3}"#)
    }

    @Test("v1 unknown method becomes Internal_error naming the method")
    func v1MethodNotFound() {
        let out = text(RPCResponse.render(.failure(.methodNotFound("VM.frobnicate")), flavour: .v1, id: .int(5)))
        #expect(out.hasPrefix(#"{"result":null,"error":["Internal_error","unknown method 'VM.frobnicate'."#))
        #expect(out.hasSuffix(#""],"id":5}"#))
    }

    @Test("v2 success: jsonrpc, result, id")
    func v2Success() {
        let out = RPCResponse.render(.success(.bool(true)), flavour: .v2, id: .string("a"))
        #expect(text(out) == #"{"jsonrpc":"2.0","result":true,"id":"a"}"#)
    }

    @Test("v2 failure: code -32000, the message in words, the xenops error in data")
    func v2Failure() {
        let error = XenopsError.badPowerState(found: .running, expected: .halted)
        let out = RPCResponse.render(.failure(.xenops(error)), flavour: .v2, id: .int(7))
        #expect(text(out) == #"{"jsonrpc":"2.0","error":{"code":-32000,"message":"the VM is running but the operation needs it halted","data":["Bad_power_state",["Running","Halted"]]},"id":7}"#)
    }

    @Test("v2 envelope errors use the JSON-RPC codes")
    func v2Codes() {
        let cases: [(RPCError, Int)] = [
            (.parseError("x"), -32700), (.invalidRequest("x"), -32600), (.methodNotFound("x"), -32601),
            (.invalidParams(method: "VM.stat", message: "x"), -32602), (.xenops(.ioError), -32000),
        ]
        for (error, code) in cases {
            let json = try? JSONValue.parse(RPCResponse.render(.failure(error), flavour: .v2, id: .null))
            #expect(json?["error"]?["code"] == .int(Int64(code)))
        }
    }

    @Test("a failure before dispatch renders with the failure's own flavour and id")
    func renderFailure() {
        let failure = RPCFailure(.invalidRequest("no method"), flavour: .v2, id: .int(9))
        let out = text(RPCResponse.render(failure))
        #expect(out == #"{"jsonrpc":"2.0","error":{"code":-32600,"message":"internal error: invalid JSON-RPC request: no method","data":["Internal_error","invalid JSON-RPC request: no method"]},"id":9}"#)
    }

    @Test("floats keep a fraction and strings are escaped minimally")
    func scalars() {
        let out = RPCResponse.render(.success(.array([.double(3.0), .string("a\"b\n/é")])), flavour: .v1, id: .int(1))
        #expect(text(out) == #"{"result":[3.0,"a\"b\n/é"],"error":null,"id":1}"#)
    }
}

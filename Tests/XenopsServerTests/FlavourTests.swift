import Foundation
import Testing
import XenopsCore

/// V1 and 2.0 replies, and precise errors for unknown methods and bad parameters.
@Suite struct FlavourTests {
    @Test func v1RequestGetsAV1Reply() async throws {
        try await withServer { fixture in
            let reply = try json(try await fixture.call(v1("query", #""unit":null"#, id: 7)))
            #expect(reply["jsonrpc"] == nil)
            #expect(reply["error"] == .null)
            #expect(reply["id"] == .int(7))
            #expect(reply["result"]?["instance_id"] == .string(fixture.engine.instanceID))
        }
    }

    @Test func v2RequestGetsAV2Reply() async throws {
        try await withServer { fixture in
            let reply = try json(try await fixture.call(#"{"jsonrpc":"2.0","method":"UPDATES.last_id","params":{"debug_info":"x"},"id":"abc"}"#))
            #expect(reply["jsonrpc"] == .string("2.0"))
            #expect(reply["id"] == .string("abc"))
            #expect(reply["result"] == .int(Int64(fixture.engine.updates.lastID)))
            let failure = try json(try await fixture.call(#"{"jsonrpc":"2.0","method":"VM.stat","params":{"debug_info":"x","id":"nope"},"id":2}"#))
            #expect(failure["error"]?["code"] == .int(-32000))
            #expect(failure["error"]?["data"] == .array([.string("Does_not_exist"), .array([.string("VM"), .string("nope/config")])]))
        }
    }

    @Test func unknownMethodNamesTheMethod() async throws {
        try await withServer { fixture in
            let reply = try json(try await fixture.call(v1("VM.frobnicate", #""id":"x""#)))
            guard case .array(let error)? = reply["error"] else { Issue.record("no error: \(reply.jsonString)"); return }
            #expect(error.first == .string("Internal_error"))
            #expect(error.last?.stringValue?.contains("unknown method 'VM.frobnicate'") == true)
        }
    }

    @Test func unimplementedMethodSaysSo() async throws {
        try await withServer { fixture in
            let reply = try json(try await fixture.call(v1("VM.generate_state_string", #""vm":{}"#)))
            #expect(reply["error"] == .array([.string("Unimplemented"), .string("VM.generate_state_string")]))
        }
    }

    @Test func missingAndWronglyTypedParametersNameMethodAndParameter() async throws {
        try await withServer { fixture in
            let missing = try json(try await fixture.call(v1("VM.stat")))
            #expect(missing["error"]?.arrayElements?.last?.stringValue?.hasPrefix("VM.stat: parameter 'id' is missing") == true)
            let wrong = try json(try await fixture.call(v1("VM.start", #""id":"x","paused":"maybe""#)))
            #expect(wrong["error"]?.arrayElements?.last?.stringValue?.hasPrefix("VM.start: parameter 'paused' is wrong") == true)
        }
    }

    @Test func diagnosticsIsAJSONString() async throws {
        try await withServer { fixture in
            let reply = try json(try await fixture.call(v1("get_diagnostics", #""unit":null"#)))
            let text = try #require(reply["result"]?.stringValue)
            #expect(try JSONValue.parse(text)["backend"] == .string("simulator"))
        }
    }

    @Test func refreshVMSignalsTheVMAndItsDevices() async throws {
        try await withServer { fixture in
            let vm = try await fixture.defineVM()
            let last = fixture.engine.updates.lastID
            _ = try await fixture.call(v1("UPDATES.refresh_vm", #""id":"\#(vm)""#))
            let reply = try json(try await fixture.call(v1("UPDATES.get", #""last_id":\#(last),"timeout":0"#)))
            let ids = reply["result"]?.arrayElements?[1].arrayElements ?? []
            #expect(ids.contains(.array([.string("Vm"), .string(vm)])))
            #expect(ids.contains(.array([.string("Vif"), .array([.string(vm), .string("0")])])))
        }
    }
}

import Foundation
import Testing
import XenopsCore
import XenopsRPC

/// Errors as XAPI sees them on the wire, and that a refused request changes nothing.
@Suite struct RawRPCErrorTests {
    typealias Doc = RawRPCDocuments

    @Test func statOfAnUnknownVMIsTheExactErrorDocument() async throws {
        try await withDaemon { daemon in
            let reply = try await daemon.call(Doc.vmStat("00000000-0000-0000-0000-000000000bad"))
            #expect(reply.status == 200)
            #expect(reply.text == #"{"result":null,"error":["Does_not_exist",["VM","00000000-0000-0000-0000-000000000bad/config"]],"id":22}"#)
        }
    }

    @Test func aV2RequestGetsAV2Reply() async throws {
        try await withDaemon { daemon in
            let ok = try json(try await daemon.call(#"{"jsonrpc":"2.0","method":"query","params":{"debug_info":"x"},"id":"q1"}"#))
            #expect(ok["jsonrpc"] == .string("2.0"))
            #expect(ok["id"] == .string("q1"))
            #expect(ok["result"]?["name"] == .string("xenops"))
            let failed = try await daemon.call(#"{"jsonrpc":"2.0","method":"VM.stat","params":["x","nope"],"id":5}"#)
            #expect(try json(failed)["error"]?["data"] == .array([.string("Does_not_exist"), .array([.string("VM"), .string("nope/config")])]))
        }
    }

    @Test func unknownMethodMissingParameterMalformedJSONAndUnimplemented() async throws {
        try await withDaemon { daemon in
            func message(_ body: String) async throws -> String {
                let reply = try json(try await daemon.call(body))
                guard case .array(let e)? = reply["error"], e.first == .string("Internal_error") else { return "not an Internal_error: \(reply.jsonString)" }
                return e.last?.stringValue ?? ""
            }
            #expect(try await message(#"{"method":"vm.start","params":[{"debug_info":"x"}],"id":1}"#).contains("unknown method 'vm.start'"))
            #expect(try await message(#"{"method":"VM.start","params":[{"debug_info":"x","paused":false}],"id":1}"#).hasPrefix("VM.start: parameter 'id' is missing"))
            #expect(try await message(#"{"method":"Task.stat","params":[{"debug_info":"x","id":57}],"id":1}"#).hasPrefix("Task.stat: parameter 'id' is wrong"))
            #expect(try await message(#"{"method":"query","params":[{"debug_info":"x","#).hasPrefix("malformed request"))
            let unimplemented = try await daemon.call(#"{"method":"VM.generate_state_string","params":[{"debug_info":"x","vm":{}}],"id":9}"#)
            #expect(unimplemented.text == #"{"result":null,"error":["Unimplemented","VM.generate_state_string"],"id":9}"#)
            // Every method of the catalogue answers, none crashes the daemon.
            #expect(try await daemon.result(Doc.query)["name"] == .string("xenops"))
        }
    }

    @Test func everyMethodOfTheCatalogueAnswersAndNoneCrashesTheDaemon() async throws {
        try await withDaemon { daemon in
            for method in MethodCatalog.methods {
                // No parameters but debug_info (and a zero timeout, so UPDATES.get returns).
                let reply = try json(try await daemon.call(#"{"method":"\#(method.name)","params":[{"debug_info":"sweep","timeout":0}],"id":1}"#))
                #expect(reply["result"] != nil && reply["error"] != nil, "\(method.name): \(reply.jsonString)")
                if method.kind == .unimplemented {
                    #expect(reply["error"] == .array([.string("Unimplemented"), .string(method.name)]), "\(method.name)")
                }
            }
            #expect(try await daemon.result(Doc.query)["name"] == .string("xenops"))
        }
    }

    @Test func aRefusedRequestChangesNothing() async throws {
        try await withDaemon { daemon in
            _ = try await daemon.result(Doc.importMetadata())
            let before = try await daemon.result(Doc.vmList())
            let lastBefore = try await daemon.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#)
            // A broken metadata document, a wrongly typed parameter, malformed JSON, an oversized body.
            let broken = Doc.importMetadata(name: "renamed").replacingOccurrences(of: #"\"vcpus\":2"#, with: #"\"vcpus\":\"two\""#)
            #expect(try json(try await daemon.call(broken))["error"] != .null)
            #expect(try json(try await daemon.call(#"{"method":"VM.set_vcpus","params":[{"debug_info":"x","id":"\#(Doc.vmID)","vcpus":"many"}],"id":1}"#))["error"] != .null)
            #expect(try json(try await daemon.call(#"{"method":"VM.import_metadata","params":[{"debug_info":"x","metadata":"{\"vm\":"#))["error"] != .null)
            let after = try await daemon.result(Doc.vmList())
            #expect(before == after)
            #expect(try await daemon.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#) == lastBefore)
        }
    }
}

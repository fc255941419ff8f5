import Testing
import XenopsCore
import XenopsRPC

/// `Dispatcher`: routing, parameter errors that name the method and the parameter, the
/// legacy upgrades and the reply flavour, against a fake service.
@Suite("RPC: dispatcher")
struct DispatcherTests {
    let h = DispatchHarness()
    let vm = FakeXenopsService.vmID

    @Test("a task method reaches the service with its operation and returns the task id")
    func routesTask() async throws {
        let r = try await h.v1("VM.start", #""id":"\#(vm)","paused":false"#, id: 18)
        #expect(r == .object([JSONMember("result", .string("57")), JSONMember("error", .null), JSONMember("id", .int(18))]))
        #expect(h.service.calls == ["vmOperation(test, \(vm), start(force: false))"])
    }

    @Test("an option parameter that is absent is None: VM.shutdown without delay is a hard shutdown")
    func optionAbsent() async throws {
        _ = try await h.v1("VM.shutdown", #""id":"\#(vm)""#)
        _ = try await h.v1("VM.shutdown", #""id":"\#(vm)","delay":30"#)
        #expect(h.service.calls == [
            "vmOperation(test, \(vm), shutdown(delay: nil))",
            "vmOperation(test, \(vm), shutdown(delay: Optional(30.0)))",
        ])
    }

    @Test("a device task takes the VM from the [vm, name] id")
    func deviceTask() async throws {
        let r = try await h.v1("VBD.unplug", #""id":["\#(vm)","xvdb"],"force":true"#)
        #expect(r["result"] == .string("57"))
        #expect(h.service.calls == [#"vmOperation(test, \#(vm), vbdUnplug("xvdb", force: true))"#])
    }

    @Test("a sync error comes back in the reply's error member")
    func syncError() async throws {
        let r = try await h.v1("VM.stat", #""id":"\#(FakeXenopsService.missingVM)""#, id: 22)
        #expect(r["result"] == .null)
        #expect(r["error"] == .array([.string("Does_not_exist"), .array([.string("VM"), .string("\(FakeXenopsService.missingVM)/config")])]))
        #expect(r["id"] == .int(22))
    }

    @Test("an unknown method is an Internal_error that names it (v1) and -32601 (v2)")
    func unknownMethod() async throws {
        let r = try await h.v1("VM.frobnicate")
        let message = try #require(r["error"]?.internalErrorMessage)
        #expect(message.contains("unknown method 'VM.frobnicate'"))
        #expect(message.contains("case-sensitive"))
        let r2 = try await h.reply(#"{"jsonrpc":"2.0","method":"vm.start","params":{},"id":3}"#)
        #expect(r2["error"]?["code"] == .int(-32601))
        #expect(r2["id"] == .int(3))
    }

    @Test("method names are case-sensitive: TASK.stat is not Task.stat")
    func caseSensitiveNames() async throws {
        let r = try await h.v1("TASK.stat", #""id":"57""#)
        #expect(r["error"]?.internalErrorMessage?.contains("unknown method 'TASK.stat'") == true)
    }

    @Test("a missing parameter names the method and the parameter")
    func missingParam() async throws {
        let r = try await h.v1("VM.stat")
        let message = try #require(r["error"]?.internalErrorMessage)
        #expect(message.hasPrefix("VM.stat: parameter 'id' is missing"))
        #expect(message.contains("string (VM uuid)"))
        #expect(h.service.calls.isEmpty)
        let r2 = try await h.reply(#"{"jsonrpc":"2.0","method":"VM.set_vcpus","params":{"debug_info":"d","id":"x"},"id":1}"#)
        #expect(r2["error"]?["code"] == .int(-32602))
        let text = try #require(r2["error"]?["message"]?.stringValue)
        #expect(text.contains("VM.set_vcpus") && text.contains("'vcpus'"))
    }

    @Test("a parameter of the wrong type names the method, the parameter and what was expected")
    func wrongType() async throws {
        let r = try await h.v1("VM.set_vcpus", #""id":"\#(vm)","vcpus":"many""#)
        let message = try #require(r["error"]?.internalErrorMessage)
        #expect(message.hasPrefix("VM.set_vcpus: parameter 'vcpus' is wrong (expected int)"))
        let r2 = try await h.v1("VBD.plug", #""id":"\#(vm)""#)
        let message2 = try #require(r2["error"]?.internalErrorMessage)
        #expect(message2.hasPrefix("VBD.plug: parameter 'id' is wrong"))
    }

    @Test("the metadata parameter must be a string holding a Metadata.t (an object is accepted too)")
    func metadataParam() async throws {
        let doc = Metadata(vm: FakeXenopsService.vm).xenops
        let asString = JSONValue.string(doc.jsonString).jsonString
        let r = try await h.v1("VM.import_metadata", #""metadata":\#(asString)"#)
        #expect(r["result"] == .string(vm))
        let r2 = try await h.v1("VM.import_metadata", #""metadata":\#(doc.jsonString)"#)
        #expect(r2["result"] == .string(vm))
        let r3 = try await h.v1("VM.import_metadata", #""metadata":"{not json""#)
        #expect(r3["error"]?.internalErrorMessage?.contains("'metadata' is not valid JSON") == true)
        let r4 = try await h.v1("VM.import_metadata", #""metadata":"{\"vm\":{}}""#)
        #expect(r4["error"]?.internalErrorMessage?.contains("not a valid Metadata.t") == true)
    }

    @Test("legacy positional query [dbg, unit] and VM.import_metadata [dbg, metadata] are upgraded")
    func legacyUpgrade() async throws {
        let q = try await h.reply(#"{"method":"query","params":["old-xapi",null],"id":1}"#)
        #expect(q["result"]?["name"] == .string("xenops"))
        let doc = JSONValue.string(Metadata(vm: FakeXenopsService.vm).xenops.jsonString).jsonString
        let m = try await h.reply(#"{"method":"VM.import_metadata","params":["old-xapi",\#(doc)],"id":2}"#)
        #expect(m["result"] == .string(vm))
        #expect(h.service.calls == ["query(old-xapi)", "vmImportMetadata(\(vm), vbds: 0)"])
    }

    @Test("JSON-RPC 2.0 positional params map onto the parameter names in order")
    func v2Positional() async throws {
        let r = try await h.reply(#"{"jsonrpc":"2.0","method":"Task.stat","params":["t","57"],"id":"x"}"#)
        #expect(r["jsonrpc"] == .string("2.0"))
        #expect(r["result"]?["id"] == .string("57"))
        #expect(r["id"] == .string("x"))
    }

    @Test("a lenient call without debug_info or unit still works")
    func lenient() async throws {
        let r = try await h.reply(#"{"method":"VM.list","params":[{}],"id":1}"#)
        #expect(r["result"]?.arrayElements?.count == 1)
    }

    @Test("optional UPDATES.get parameters: absent is None, present is the bare value")
    func updatesGetOptions() async throws {
        _ = try await h.v1("UPDATES.get")
        _ = try await h.v1("UPDATES.get", #""last_id":1234,"timeout":30"#)
        #expect(h.service.calls == ["updatesGet(nil, nil)", "updatesGet(1234, 30)"])
    }

    @Test("every method marked unimplemented answers [\"Unimplemented\", name]")
    func unimplemented() async throws {
        let names = MethodCatalog.methods.filter { $0.kind == .unimplemented }.map(\.name)
        #expect(names.count > 20)
        for name in names {
            let r = try await h.v1(name)
            #expect(r["error"] == .array([.string("Unimplemented"), .string(name)]), "\(name)")
        }
        #expect(h.service.calls.isEmpty)
    }

    @Test("a body that is not JSON gets a v1 Internal_error with a null id")
    func parseError() async throws {
        let r = try await h.reply("{nope")
        #expect(r["id"] == .null)
        #expect(r["error"]?.internalErrorMessage?.hasPrefix("malformed request") == true)
    }
}

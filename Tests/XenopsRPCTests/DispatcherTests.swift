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
        // Only methods XAPI never calls (xenops-interface.md §1.8) may be left unimplemented.
        #expect(Set(names) == ["VM.generate_state_string", "VM.create_device_model", "VM.fast_resume", "DEBUG.shutdown"])
        for name in names {
            let r = try await h.v1(name)
            #expect(r["error"] == .array([.string("Unimplemented"), .string(name)]), "\(name)")
        }
        #expect(h.service.calls.isEmpty)
    }

    /// Every method XAPI calls, from xenops-interface.md §1.8 (`grep Client.` in xapi).
    static let calledByXAPI: [String] = [
        "VM.import_metadata", "VM.import_metadata_async", "VM.export_metadata", "VM.remove", "VM.exists", "VM.list", "VM.stat",
        "VM.start", "VM.unpause", "VM.pause", "VM.shutdown", "VM.reboot", "VM.suspend", "VM.resume", "VM.s3suspend", "VM.s3resume",
        "VM.set_xsdata", "VM.set_vcpus", "VM.set_shadow_multiplier", "VM.set_memory_dynamic_range", "VM.request_rdp", "VM.run_script",
        "VM.migrate",
        "VBD.add", "VBD.remove", "VBD.plug", "VBD.unplug", "VBD.eject", "VBD.insert", "VBD.stat", "VBD.set_qos",
        "VIF.add", "VIF.remove", "VIF.plug", "VIF.unplug", "VIF.move", "VIF.set_carrier", "VIF.set_locking_mode",
        "VIF.set_ipv4_configuration", "VIF.set_ipv6_configuration", "VIF.set_pvs_proxy", "VIF.set_trunks", "VIF.stat",
        "PCI.stat", "PCI.dequarantine", "VGPU.stat", "VGPU.remove", "VUSB.stat", "VUSB.unplug",
        "Task.stat", "Task.cancel", "Task.destroy", "Task.destroy_on_finish", "Task.list",
        "UPDATES.get", "UPDATES.last_id", "UPDATES.inject_barrier", "UPDATES.remove_barrier", "UPDATES.refresh_vm",
        "HOST.stat", "HOST.get_total_memory_mib", "HOST.get_console_data", "HOST.send_debug_keys", "HOST.combine_cpu_policies",
        "HOST.is_compatible", "HOST.set_numa_affinity_policy", "HOST.update_guest_agent_features",
        "Observer.create", "Observer.destroy", "Observer.set_enabled", "Observer.set_attributes", "Observer.set_endpoints",
        "Observer.init", "Observer.set_trace_log_dir", "Observer.set_export_interval", "Observer.set_export_chunk_size",
        "Observer.set_max_spans", "Observer.set_max_traces", "Observer.set_max_depth", "Observer.set_max_file_size",
        "Observer.set_host_id", "Observer.set_compress_tracing_files",
    ]

    @Test("no method that XAPI calls is missing or marked unimplemented")
    func everyMethodXAPICallsIsServed() {
        for name in Self.calledByXAPI {
            let method = MethodCatalog.byName[name]
            #expect(method != nil, "\(name) is not in the catalog")
            #expect(method?.kind != .unimplemented, "\(name) is called by XAPI but unimplemented")
        }
    }

    @Test("a body that is not JSON gets a v1 Internal_error with a null id")
    func parseError() async throws {
        let r = try await h.reply("{nope")
        #expect(r["id"] == .null)
        #expect(r["error"]?.internalErrorMessage?.hasPrefix("malformed request") == true)
    }
}

/// The host-policy methods and `Observer.*` reach the service with their wire parameters.
@Suite("RPC: host policy and Observer")
struct HostPolicyDispatchTests {
    let h = DispatchHarness()

    @Test("HOST.set_numa_affinity_policy: an absent key is the default, a value is the variant")
    func numaPolicy() async throws {
        #expect(try await h.v1("HOST.set_numa_affinity_policy")["result"] == .null)
        _ = try await h.v1("HOST.set_numa_affinity_policy", #""numa_affinity_policy":"Best_effort_hard""#)
        _ = try await h.v1("HOST.set_numa_affinity_policy", #""numa_affinity_policy":["Any"]"#)
        #expect(h.service.calls == ["hostSetNUMAAffinityPolicy(default)", "hostSetNUMAAffinityPolicy(Best_effort_hard)", "hostSetNUMAAffinityPolicy(Any)"])
        let bad = try await h.v1("HOST.set_numa_affinity_policy", #""numa_affinity_policy":"Sometimes""#)
        guard case .array(let e)? = bad["error"], e.first == .string("Internal_error"), let m = e.last?.stringValue else {
            Issue.record("\(bad)")
            return
        }
        #expect(m.contains("numa_affinity_policy") && m.contains("Best_effort"))
    }

    @Test("combine_cpu_policies, is_compatible and send_debug_keys take their named strings")
    func hostCalls() async throws {
        #expect(try await h.v1("HOST.combine_cpu_policies", #""policy1":"000000ff","policy2":"0000000f""#)["result"] == .string("0000000f"))
        #expect(try await h.v1("HOST.is_compatible", #""vm_policy":"0f","host_policy":"0f""#)["result"] == .bool(true))
        #expect(try await h.v1("HOST.send_debug_keys", #""debug_keys":"q""#)["result"] == .null)
        #expect(h.service.calls == ["hostCombineCPUPolicies(000000ff,0000000f)", "hostIsCompatible(0f,0f)", "hostSendDebugKeys(q)"])
    }

    @Test("Observer.create reads dbg, uuid, name_label, dict, endpoints and bool")
    func observerCreate() async throws {
        let r = try await h.reply(#"{"method":"Observer.create","params":[{"dbg":"obs","uuid":"u1","name_label":"otel","dict":{"k":"v"},"endpoints":["bugtool"],"bool":true}],"id":3}"#)
        #expect(r == .object([JSONMember("result", .null), JSONMember("error", .null), JSONMember("id", .int(3))]))
        #expect(h.service.calls == [#"observer(obs,create(uuid: "u1", nameLabel: "otel", attributes: ["k": "v"], endpoints: ["bugtool"], enabled: true))"#])
    }

    @Test("every Observer method decodes its literal parameter names")
    func observerSetters() async throws {
        let calls: [(String, String)] = [
            ("destroy", #""uuid":"u1""#), ("set_enabled", #""uuid":"u1","bool":false"#), ("set_attributes", #""uuid":"u1","dict":{}"#),
            ("set_endpoints", #""uuid":"u1","endpoints":[]"#), ("init", ""), ("set_trace_log_dir", #""string":"/tmp/t""#),
            ("set_export_interval", #""float":2.5"#), ("set_export_chunk_size", #""int":7"#), ("set_max_spans", #""int":1"#),
            ("set_max_traces", #""int":2"#), ("set_max_depth", #""int":3"#), ("set_max_file_size", #""int":4"#),
            ("set_host_id", #""string":"h""#), ("set_compress_tracing_files", #""bool":false"#),
        ]
        for (name, params) in calls {
            let extra = params.isEmpty ? "" : "," + params
            let r = try await h.reply(#"{"method":"Observer.\#(name)","params":[{"dbg":"d"\#(extra)}],"id":1}"#)
            #expect(r["error"] == .null, "Observer.\(name): \(r)")
        }
        #expect(h.service.calls.count == calls.count)
        #expect(h.service.calls.last == "observer(d,setCompressTracingFiles(false))")
        let missing = try await h.reply(#"{"method":"Observer.set_max_spans","params":[{"dbg":"d"}],"id":1}"#)
        guard case .array(let e)? = missing["error"] else { Issue.record("\(missing)"); return }
        #expect(e.first == .string("Internal_error"))
        #expect(e.last?.stringValue?.contains("parameter 'int' is missing") == true)
    }
}

import Testing
import XenopsCore
import XenopsTestSupport

private typealias F = CodecFixtures

/// Decodes `text` as `T`, re-encodes it, and checks the output is the same document.
private func expectRoundTrip<T: XenopsCodable & Equatable>(
    _ type: T.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> T {
    let input = try F.json(text)
    let value = try T(xenops: input)
    let output = value.xenops
    #expect(F.difference(input, output) == nil, "\(F.difference(input, output) ?? "")", sourceLocation: sourceLocation)
    // Through the wire text as well: what the serializer writes parses back to the same document.
    let reparsed = try JSONValue.parse(output.jsonString)
    #expect(F.difference(input, reparsed) == nil, sourceLocation: sourceLocation)
    #expect(try T(xenops: reparsed) == value, sourceLocation: sourceLocation)
    return value
}

/// §3.5 of the interface doc: every worked example decodes and re-encodes to the same document.
@Suite("Codec: the worked examples of §3.5")
struct CodecWorkedExampleTests {
    // MARK: (a) VM.import_metadata

    @Test("(a) the full HVM/UEFI Metadata document round-trips with the same shape")
    func fullMetadataRoundTrips() throws {
        let metadata = try expectRoundTrip(Metadata.self, F.fullMetadata)
        #expect(metadata.vbds.count == 1)
        #expect(metadata.vifs.count == 1)
    }

    @Test("(a) the decoded Metadata carries the values of the document")
    func fullMetadataFields() throws {
        let metadata = try F.decode(Metadata.self, F.fullMetadata)
        let vm = metadata.vm
        #expect(vm.id == F.vmUUID)
        #expect(vm.name == "debian12")
        #expect(vm.ssidref == 0)
        #expect(vm.xsdata == ["vm-data": ""])
        #expect(vm.platformdata["device-model"] == "qemu-upstream-uefi")
        #expect(vm.platformdata["cores-per-socket"] == "2")
        #expect(vm.platformdata.count == 14)
        #expect(vm.biosStrings["system-product-name"] == "HVM domU")
        #expect(vm.memoryStaticMax == 4_294_967_296)
        #expect(vm.memoryDynamicMin == 2_147_483_648)
        #expect(vm.vcpuMax == 2 && vm.vcpus == 2)
        #expect(vm.schedulerParams.priority == .init(weight: 256, cap: 0))
        #expect(vm.schedulerParams.affinity.isEmpty)
        #expect(vm.onCrash == [.shutdown] && vm.onShutdown == [.shutdown] && vm.onReboot == [.start])
        #expect(vm.onSoftreboot == [.softreboot])
        #expect(vm.pciMsitranslate && !vm.pciPowerMgmt && !vm.hasVendorDevice)
        #expect(vm.generationID == "")
        #expect(vm.machineAddressSize == nil)

        guard case .hvm(let hvm) = vm.ty else {
            Issue.record("expected an HVM builder, got \(vm.ty)")
            return
        }
        #expect(hvm.video == .standardVGA)
        #expect(hvm.videoMib == 8)
        #expect(hvm.firmware == .uefi(NVRAMVariables(onBoot: .persist, backend: "xapidb")))
        #expect(hvm.serial == "pty" && hvm.keymap == nil && hvm.vncIP == nil && hvm.tpm == nil)
        #expect(hvm.bootOrder == "cd")
        #expect(hvm.shadowMultiplier == 1.0)

        let vbd = try #require(metadata.vbds.first)
        #expect(vbd.id == DeviceID(vm: F.vmUUID, name: "xvda"))
        #expect(vbd.position == DevicePosition(bus: .ide, disk: 0, partition: 0))
        #expect(vbd.backend == .vdi(F.vdiName))
        #expect(vbd.mode == .readWrite && vbd.ty == .disk)
        #expect(!vbd.unpluggable && vbd.persistent && !vbd.canAttachEarly)

        let vif = try #require(metadata.vifs.first)
        #expect(vif.id == DeviceID(vm: F.vmUUID, name: "0"))
        #expect(vif.mac == "aa:bb:cc:00:11:22")
        #expect(vif.backend == .local("xenbr0"))
        #expect(vif.lockingMode == .unlocked)
        #expect(vif.extraPrivateKeys["vif-uuid"] == "5e3f9a7c-1b2d-4e6f-8a9b-0c1d2e3f4a5b")
        #expect(vif.ipv4Configuration == .unspecified && vif.ipv6Configuration == .unspecified)
        #expect(vif.vlan == nil && vif.rate == nil && vif.pvsProxy == nil)
        #expect(metadata.pcis.isEmpty && metadata.vgpus.isEmpty && metadata.vusbs.isEmpty)
        #expect(metadata.domains == nil)
    }

    @Test("(a) the metadata parameter is a JSON string holding JSON (double encoding)")
    func importMetadataIsDoubleEncoded() throws {
        let inner = try F.json(F.fullMetadata)
        let request = JSONValue.object([
            JSONMember("method", .string("VM.import_metadata")),
            JSONMember(
                "params",
                .array([
                    .object([
                        JSONMember("debug_info", .string("Async.VM.start R:593283cf10c0")),
                        JSONMember("metadata", .string(inner.jsonString)),
                    ])
                ])),
            JSONMember("id", .int(17)),
        ])
        let wire = request.jsonString
        #expect(wire.contains(#""metadata":"{\"vm\":{\"id\":\"7b719ce6-0b17-9733-e8ee-dbc1e6e7b701\""#))

        let parsed = try JSONValue.parse(wire)
        let params = try #require(parsed["params"]?.arrayElements?.first)
        let reader = try XenopsRecordReader(params, typeName: "VM.import_metadata params")
        let text: String = try reader.required("metadata")
        let metadata = try Metadata(xenops: JSONValue.parse(text))
        #expect(metadata == (try F.decode(Metadata.self, F.fullMetadata)))

        // The parameter itself is a string: it is not a Metadata.t.
        #expect(throws: XenopsDecodeError.self) { try Metadata(xenops: params["metadata"]!) }

        // What export_metadata would send back: the encoded record as a string.
        let exported = JSONValue.string(metadata.xenops.jsonString)
        let reimported = try Metadata(xenops: JSONValue.parse(try #require(exported.stringValue)))
        #expect(reimported == metadata)
    }

    @Test("(a) the VM.import_metadata reply is the VM id")
    func importMetadataReply() throws {
        let reply = try F.json(#"{"result":"7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","error":null,"id":0}"#)
        #expect(try String(xenops: #require(reply["result"])) == F.vmUUID)
        #expect(reply["error"] == .null)
    }

    @Test("VM.stat: the result is the pair [Vm.t, Vm.state]")
    func vmStatPair() throws {
        let metadata = try F.json(F.fullMetadata)
        let vm = try #require(metadata["vm"])
        let state = #"""
            {"power_state":"Running","domids":[7],"consoles":[{"protocol":"Rfb","port":5901,"path":""},
               {"protocol":"Vt100","port":0,"path":"/var/run/xen/vt100-7"}],
             "memory_target":4294967296,"memory_actual":4294967296,"memory_limit":4294967296,"vcpu_target":2,
             "shadow_multiplier_target":1.0,"rtc_timeoffset":"0","uncooperative_balloon_driver":false,
             "guest_agent":{"attr/PVAddons/MajorVersion":"9","data/os_name":"Debian 12"},"xsdata_state":{"vm-data":""},
             "pv_drivers_detected":true,"last_start_time":1718000000.5,"hvm":true,"nomigrate":false,"nested_virt":false,
             "domain_type":"Domain_HVM","featureset":"17cbfbff-f7fa3223","numa_optimised":true,"numa_nodes":1,
             "numa_node_memory":[[0,4294967296]]}
            """#
        let pair = try F.json("[\(vm.jsonString),\(state)]")
        let elements = try xenopsTupleElements(pair, count: 2, of: "VM.stat result")
        let decodedVM = try VM(xenops: elements[0])
        let decodedState = try expectRoundTrip(VMState.self, state)
        #expect(decodedState.powerState == .running && decodedState.domids == [7])
        #expect(decodedState.consoles.map(\.protocol) == [.rfb, .vt100])
        #expect(decodedState.domainType == .hvm)
        #expect(decodedState.numaNodeMemory == [.init(node: 0, bytes: 4_294_967_296)])
        let reencoded = JSONValue.array([decodedVM.xenops, decodedState.xenops])
        #expect(F.difference(pair, reencoded) == nil)
    }

    // MARK: (b) VM.start and VM.unpause

    @Test(
        "(b) the VM.start and VM.unpause named parameters read back and re-encode identically",
        arguments: [
            #"{"debug_info":"Async.VM.start R:593283cf10c0","id":"7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","paused":false}"#,
            #"{"debug_info":"Async.VM.start R:593283cf10c0","id":"7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"}"#,
        ])
    func startAndUnpauseParams(text: String) throws {
        let params = try F.json(text)
        let r = try XenopsRecordReader(params, typeName: "VM.start params")
        let dbg: String = try r.required("debug_info")
        let id: String = try r.required("id")
        let paused: Bool? = try r.optional("paused")
        #expect(dbg == "Async.VM.start R:593283cf10c0")
        #expect(id == F.vmUUID)
        #expect(paused == (text.contains("paused") ? false : nil))

        var w = XenopsRecordWriter()
        w.set("debug_info", dbg)
        w.set("id", id)
        if let paused { w.set("paused", paused) }
        #expect(F.difference(params, w.json) == nil)
    }

    @Test("(b) the reply of a Task method is a task id string", arguments: ["57", "58"])
    func taskReply(id: String) throws {
        let reply = try F.json(#"{"result":"\#(id)","error":null,"id":0}"#)
        #expect(try String(xenops: #require(reply["result"])) == id)
    }

    // MARK: (c) Task.stat

    static let taskStates: [(state: String, expected: TaskState)] = [
        (#"["Pending",0.42]"#, .pending(0.42)),
        (#"["Completed",{"duration":3.71}]"#, .completed(duration: 3.71, result: nil)),
        (
            #"["Completed",{"duration":0.12,"result":"7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"}]"#,
            .completed(duration: 0.12, result: .string(F.vmUUID))
        ),
        (
            #"["Completed",{"duration":1.5,"result":{"rc":0,"stdout":"ok\n","lines":["a",2,2.5,true,null,{}]}}]"#,
            .completed(
                duration: 1.5,
                result: .object([
                    JSONMember("rc", .int(0)), JSONMember("stdout", .string("ok\n")),
                    JSONMember(
                        "lines", .array([.string("a"), .int(2), .double(2.5), .bool(true), .null, .object([])])),
                ]))
        ),
        (
            #"["Failed",["Failed_to_start_emulator",["7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","qemu-dm","Daemon exited unexpectedly"]]]"#,
            .failed(
                .array([
                    .string("Failed_to_start_emulator"),
                    .array([.string(F.vmUUID), .string("qemu-dm"), .string("Daemon exited unexpectedly")]),
                ]))
        ),
        (
            #"["Failed",["Bad_power_state",["Running","Halted"]]]"#,
            .failed(.array([.string("Bad_power_state"), .array([.string("Running"), .string("Halted")])]))
        ),
    ]

    @Test("(c) Task.t documents round-trip", arguments: taskStates)
    func taskRoundTrips(state: String, expected: TaskState) throws {
        let task = try expectRoundTrip(TaskInfo.self, InterfaceExamples.taskResult(state: state))
        #expect(task.id == "57")
        #expect(task.dbg == "Async.VM.start R:593283cf10c0")
        #expect(task.ctime == 1_718_000_000.25)
        #expect(task.state == expected)
        #expect(task.subtasks.isEmpty)
        #expect(task.debugInfo == ["cancel_points_seen": "7"])
        #expect(task.backtrace == "()")
        #expect(task.cancellable)
    }

    @Test("(c) a Failed task carries a marshalled Errors.error")
    func failedTaskCarriesError() throws {
        let task = try F.decode(
            TaskInfo.self,
            #"""
            {"id":"58","dbg":"x","ctime":1.0,"subtasks":{},"debug_info":{},"backtrace":"()","cancellable":false,
             "state":["Failed",["Failed_to_start_emulator",["7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","qemu-dm","Daemon exited unexpectedly"]]]}
            """#)
        guard case .failed(let payload) = task.state else {
            Issue.record("expected a failed task, got \(task.state)")
            return
        }
        #expect(
            try XenopsError(xenops: payload)
                == .failedToStartEmulator(vm: F.vmUUID, name: "qemu-dm", message: "Daemon exited unexpectedly"))
    }

    @Test("(c) subtasks is an object of task states")
    func subtasksRoundTrip() throws {
        let task = try expectRoundTrip(
            TaskInfo.self,
            #"""
            {"id":"59","dbg":"x","ctime":1718000000.5,"state":["Pending",0.5],
             "subtasks":{"VM_create":["Completed",{"duration":0.25}],"VM_build":["Pending",0.0]},
             "debug_info":{"cancel_points_seen":"0"},"backtrace":"()","cancellable":true}
            """#)
        #expect(task.subtasks == ["VM_create": .completed(duration: 0.25, result: nil), "VM_build": .pending(0)])
    }

    // MARK: (d) UPDATES.get

    @Test("(d) the UPDATES.get result round-trips")
    func updatesRoundTrip() throws {
        let u = F.vmUUID
        let result = try expectRoundTrip(UpdatesResult.self, InterfaceExamples.updatesResults[0])
        #expect(result.barriers == [Barrier(id: 7, ids: [.vm(u), .vbd(DeviceID(vm: u, name: "xvda"))])])
        #expect(result.ids == [.vm(u), .vif(DeviceID(vm: u, name: "0")), .task("57")])
        #expect(result.next == 1241)
    }

    @Test("(d) the UPDATES.get timeout reply is [[],[],last_id]")
    func updatesTimeoutReply() throws {
        let result = try expectRoundTrip(UpdatesResult.self, "[[],[],1234]")
        #expect(result == UpdatesResult(barriers: [], ids: [], next: 1234))
        #expect(result.xenops.jsonString == "[[],[],1234]")
    }

    @Test("(d) UPDATES.get params: last_id and timeout are options, absent when None")
    func updatesParams() throws {
        let withTimeout = try XenopsRecordReader(
            F.json(#"{"debug_info":"org.xen.xapi.xenops.classic events D:23b896eda772","last_id":1234,"timeout":30}"#),
            typeName: "UPDATES.get params")
        #expect(try withTimeout.optional("last_id", as: Int.self) == 1234)
        #expect(try withTimeout.optional("timeout", as: Int.self) == 30)

        let blocking = try XenopsRecordReader(
            F.json(#"{"debug_info":"org.xen.xapi.xenops.classic events D:23b896eda772","last_id":1234}"#),
            typeName: "UPDATES.get params")
        #expect(try blocking.optional("timeout", as: Int.self) == nil)
    }

    // MARK: (e) query, and the errors of Sync methods

    @Test("(e) Query.t round-trips")
    func queryRoundTrips() throws {
        let query = try expectRoundTrip(
            QueryResult.self,
            #"{"name":"xenops","vendor":"XCP","version":"0.1","features":[],"instance_id":"4f1c2b3a-9d8e-4f7a-b6c5-d4e3f2a1b0c9"}"#
        )
        #expect(query == QueryResult(instanceID: "4f1c2b3a-9d8e-4f7a-b6c5-d4e3f2a1b0c9"))
    }

    @Test("(e) the query params carry \"unit\": null")
    func queryParams() throws {
        let r = try XenopsRecordReader(F.json(#"{"debug_info":"xapi","unit":null}"#), typeName: "query params")
        #expect(r.raw("unit") == .null)
        #expect(try r.required("debug_info", as: String.self) == "xapi")
    }

    static let syncErrors: [(text: String, expected: XenopsError)] = [
        (
            #"["Does_not_exist",["VM","00000000-0000-0000-0000-000000000bad/config"]]"#,
            .doesNotExist(namespace: "VM", path: "00000000-0000-0000-0000-000000000bad/config")
        ),
        (#"["Does_not_exist",["task","57"]]"#, .doesNotExist(namespace: "task", path: "57")),
        (#"["Bad_power_state",["Running","Halted"]]"#, .badPowerState(found: .running, expected: .halted)),
    ]

    @Test("(e) the errors of Sync methods round-trip as XenopsError", arguments: syncErrors)
    func syncErrorsRoundTrip(text: String, expected: XenopsError) throws {
        let error = try expectRoundTrip(XenopsError.self, text)
        #expect(error == expected)

        let reply = try F.json(#"{"result":null,"error":\#(text),"id":0}"#)
        #expect(try XenopsError(xenops: #require(reply["error"])) == expected)
    }
}

import Testing
import XenopsCore
import XenopsRPC
import XenopsTestSupport

/// The worked examples of xenops-interface.md §3.5 sent as XML-RPC reach the service as the
/// same values as their JSON-RPC originals, and every xenops type survives
/// value → XML-RPC → JSONValue → value.
@Suite("XML-RPC: the worked examples of §3.5 and round-trips of every xenops type")
struct XMLRPCWorkedExampleTests {
    /// The XML-RPC document ocaml-rpc's client would send for a JSON-RPC V1 request.
    private static func xml(ofJSON text: String) throws -> [UInt8] {
        let json = try JSONValue.parse(text)
        guard case .string(let method)? = json["method"], case .array(let params)? = json["params"] else {
            throw XMLRPCError("not a V1 request: \(text.prefix(60))")
        }
        return XMLRPC.encodeCall(.init(method: method, params: params))
    }

    @Test("each request, as XML-RPC, reaches the service with the same arguments and gets the same answer", arguments: InterfaceExamples.workedRequests.map(\.name))
    func workedRequest(name: String) async throws {
        let json = try #require(InterfaceExamples.workedRequests.first { $0.name == name }).json
        let viaJSON = DispatchHarness(), viaXML = DispatchHarness()
        let jsonReply = try JSONValue.parse(await viaJSON.dispatcher.handle(body: Array(json.utf8)))
        let xmlReply = try RPCResponse.decodeXML(await viaXML.dispatcher.handle(body: try Self.xml(ofJSON: json)))
        #expect(!viaJSON.service.calls.isEmpty)
        #expect(viaXML.service.calls == viaJSON.service.calls)
        switch xmlReply {
        case .success(let value):
            #expect(jsonReply["error"] == .null)
            // The JSON result, through XML-RPC, is the XML reply's value.
            let expected = try XMLRPC.decodeReply(RPCResponse.render(.success(jsonReply["result"] ?? .null), flavour: .xmlrpc, id: .null))
            #expect(XMLRPC.Reply.success(value) == expected)
        case .failure(let error):
            #expect(try XenopsError(xenops: #require(jsonReply["error"])) == error.xenopsError)
        }
    }

    @Test("(a) the metadata string arrives intact and decodes to the same Metadata")
    func importMetadataIntact() throws {
        let json = InterfaceExamples.importMetadataRequest()
        let fromJSON = try RPCRequest.decode(Array(json.utf8))
        let fromXML = try RPCRequest.decode(try Self.xml(ofJSON: json))
        #expect(fromXML.flavour == .xmlrpc && fromXML.method == "VM.import_metadata")
        let text = try #require(fromXML.params["metadata"]?.stringValue)
        #expect(text == fromJSON.params["metadata"]?.stringValue)
        #expect(try Metadata(xenops: JSONValue.parse(text)) == Metadata(xenops: JSONValue.parse(InterfaceExamples.metadata())))
    }

    @Test("(d) UPDATES.get's last_id and timeout arrive untyped and are read as ints")
    func updatesParamsTyped() throws {
        let request = try RPCRequest.decode(try Self.xml(ofJSON: InterfaceExamples.updatesGetRequest(lastID: 1234, timeout: 30)))
        #expect(request.params["last_id"] == .string("1234"))
        #expect(try Int(xenops: #require(request.params["last_id"])) == 1234)
        #expect(try Int(xenops: #require(request.params["timeout"])) == 30)
    }

    // MARK: Round-trips

    /// `value` → a XenAPI-style XML-RPC reply → the client's decoding → `T`.
    private func throughReply<T: XenopsCodable>(_ value: T) throws -> T {
        let bytes = RPCResponse.render(.success(value.xenops), flavour: .xmlrpc, id: .null)
        guard case .success(let back) = try RPCResponse.decodeXML(bytes) else { throw XMLRPCError("not a success reply") }
        return try T(xenops: back)
    }

    /// `value` → a named parameter of an XML-RPC call → the server's decoding → `T`.
    private func throughCall<T: XenopsCodable>(_ value: T) throws -> T {
        let params = JSONValue.object([JSONMember("debug_info", .string("x")), JSONMember("value", value.xenops)])
        let request = try RPCRequest.decode(XMLRPC.encodeCall(.init(method: "m", params: [params])))
        return try T(xenops: #require(request.params["value"]))
    }

    private func expectRoundTrip<T: XenopsCodable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try throughReply(value) == value, sourceLocation: sourceLocation)
        #expect(try throughCall(value) == value, sourceLocation: sourceLocation)
    }

    private static let u = InterfaceExamples.vmID

    @Test("Metadata, Vm.t, Vbd.t, Vif.t (the §3.5 metadata), and Pci/Vgpu/Vusb")
    func metadata() throws {
        var metadata = try Metadata(xenops: JSONValue.parse(InterfaceExamples.metadata()))
        try expectRoundTrip(metadata)
        try expectRoundTrip(metadata.vm)
        try expectRoundTrip(try #require(metadata.vbds.first))
        try expectRoundTrip(try #require(metadata.vifs.first))
        metadata.pcis = [PCI(id: DeviceID(vm: Self.u, name: "0"), position: 0, address: PCIAddress(domain: 0, bus: 3, dev: 0, fn: 1), msitranslate: true)]
        metadata.vgpus = [VGPU(id: DeviceID(vm: Self.u, name: "0"))]
        metadata.vusbs = [VUSB(id: DeviceID(vm: Self.u, name: "0"), hostbus: "1", hostport: "2", version: "2.0", path: "/dev/bus/usb/001/002", speed: 480.0)]
        metadata.domains = #"{"domid":7}"#
        try expectRoundTrip(metadata)
        for pci in metadata.pcis { try expectRoundTrip(pci) }
        for vgpu in metadata.vgpus { try expectRoundTrip(vgpu) }
        for vusb in metadata.vusbs { try expectRoundTrip(vusb) }
    }

    @Test("Vm.state and the device states")
    func states() throws {
        var state = VMState()
        state.powerState = .running
        state.domids = [7]
        state.consoles = [.init(protocol: .rfb, port: 5901, path: ""), .init(protocol: .vt100, port: 0, path: "/var/run/xen/vt100-7")]
        state.memoryTarget = 4_294_967_296
        state.memoryActual = 4_294_967_296
        state.memoryLimit = 4_294_967_296
        state.vcpuTarget = 2
        state.shadowMultiplierTarget = 1.5
        state.rtcTimeoffset = "0"
        state.guestAgent = ["attr/PVAddons/MajorVersion": "9", "data/os_name": "Debian <12> & \"more\""]
        state.lastStartTime = 1718000000.5
        state.hvm = true
        state.domainType = .hvm
        state.featureset = "17cbfbff-f7fa3223"
        state.numaNodes = 1
        state.numaNodeMemory = [.init(node: 0, bytes: 4_294_967_296)]
        try expectRoundTrip(state)
        try expectRoundTrip(VBDState(active: true, plugged: true, qosTarget: .bestEffort(.other(4)), backendPresent: .vdi("sr/vdi")))
        try expectRoundTrip(VIFState(active: true, plugged: true, kthreadPID: 1234, mediaPresent: true, device: "vif7.0", pvsRulesActive: false))
        try expectRoundTrip(PluggedState(plugged: true))
        var vgpuState = VGPUState()
        vgpuState.active = true
        vgpuState.emulatorPID = 4321
        try expectRoundTrip(vgpuState)
    }

    @Test("Task.t in each state of §3.5 (c)", arguments: InterfaceExamples.taskStates)
    func tasks(state: String) throws {
        try expectRoundTrip(try TaskInfo(xenops: JSONValue.parse(InterfaceExamples.taskResult(state: state))))
    }

    @Test("a task result (Rpc.t) comes back with its ints as strings, as ocaml-rpc's untyped ints do")
    func taskResultRpcT() throws {
        let task = TaskInfo(id: "9", dbg: "x", ctime: 1, state: .completed(duration: 0.5, result: .object([JSONMember("rc", .int(0)), JSONMember("ok", .bool(true))])))
        let back = try throughReply(task)
        #expect(back.state == .completed(duration: 0.5, result: .object([JSONMember("rc", .string("0")), JSONMember("ok", .bool(true))])))
    }

    @Test("the UPDATES.get results of §3.5 (d) and the query result of (e)")
    func updatesAndQuery() throws {
        for text in InterfaceExamples.updatesResults {
            try expectRoundTrip(try UpdatesResult(xenops: JSONValue.parse(text)))
        }
        try expectRoundTrip(try QueryResult(xenops: JSONValue.parse(InterfaceExamples.queryResult)))
        try expectRoundTrip(DynamicID.vbd(DeviceID(vm: Self.u, name: "xvda")))
    }

    @Test("Host.t")
    func host() throws {
        var cpu = HostInfo.CPUInfo()
        cpu.cpuCount = 8
        cpu.socketCount = 1
        cpu.threadsPerCore = 2
        cpu.vendor = "GenuineIntel"
        cpu.speed = "2400.000"
        cpu.features = "1fcbfbff-f7fa3223"
        try expectRoundTrip(HostInfo(cpuInfo: cpu, hypervisor: .init(version: "4.17", capabilities: "xen-3.0-x86_64 hvm-3.0-x86_64"), chipsetInfo: .init(iommu: true, hvm: true)))
    }

    @Test("every Errors.error, through a Failure reply", arguments: [
        XenopsError.alreadyExists(namespace: "VM", path: "x"), .doesNotExist(namespace: "task", path: "57"), .unimplemented("VM.s3suspend"),
        .domainNotBuilt, .invalidVcpus(3), .badPowerState(found: .running, expected: .halted),
        .failedToAcknowledgeShutdownRequest, .failedToAcknowledgeSuspendRequest,
        .failedToShutdown(vm: u, timeout: 1200.5), .failedToSuspend(vm: u, timeout: 60), .deviceIsConnected, .deviceNotConnected,
        .deviceDetachRejected(kind: "VBD", id: "xvda", reason: "in use"), .mediaNotEjectable, .mediaPresent, .mediaNotPresent,
        .noBootableDevice, .bootloaderError(vm: u, message: "pygrub: <no kernel>"), .cannotFreeThisMuchMemory(needed: 4_294_967_296, free: 1024),
        .vmsFailedToCooperate([u]), .ioError, .failedToContactRemoteService("http://10.0.0.2/services/xenops"),
        .hookFailed(script: "vm-pre-start", reason: "exit 1", stdout: "", detail: "d"), .notEnoughMemory(1 << 40), .cancelled(task: "57"),
        .storageBackendError(code: "SR_BACKEND_FAILURE_46", params: ["a", ""]), .pciBackNotLoaded, .failedToRunScript("s"),
        .failedToStartEmulator(vm: u, name: "qemu-dm", message: "Daemon exited unexpectedly"), .ballooningTimeoutBeforeMigration,
        .internalError("line 1\nline 2"), .unknownError,
    ])
    func errors(error: XenopsError) throws {
        let bytes = RPCResponse.render(.failure(.xenops(error)), flavour: .xmlrpc, id: .null)
        guard case .failure(.xenops(let back)) = try RPCResponse.decodeXML(bytes) else {
            Issue.record("not a failure reply")
            return
        }
        #expect(back == error)
    }
}

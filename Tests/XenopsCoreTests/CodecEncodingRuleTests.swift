import Testing
import XenopsCore

private typealias F = CodecFixtures

/// One test per row of the §3.3 table (ocaml-rpc's encoding of OCaml values).
@Suite("Codec: the encoding rules of §3.3")
struct CodecEncodingRuleTests {
    private static let u = CodecFixtures.vmUUID

    // MARK: Scalars

    @Test("string ↔ JSON string; other kinds are rejected")
    func stringRule() throws {
        #expect(try String(xenops: .string("débian 12 \"x\"")) == "débian 12 \"x\"")
        #expect("xvda".xenops == .string("xvda"))
        #expect("a\"b".xenops.jsonString == #""a\"b""#)
        for wrong: JSONValue in [.int(42), .null, .bool(true), .array([]), .object([])] {
            #expect(throws: XenopsDecodeError.self) { try String(xenops: wrong) }
        }
    }

    @Test(
        "int/int64 ↔ JSON integer; input also takes a numeric string or an integral float",
        arguments: [
            ("42", Int64?(42)), ("-7", -7), ("\"42\"", 42), ("\"-7\"", -7), ("42.0", 42), ("4294967296", 4_294_967_296),
            ("\"9223372036854775807\"", Int64.max), ("\"4x2\"", nil), ("\"\"", nil), ("42.5", nil), ("true", nil),
            ("null", nil), ("[42]", nil),
        ])
    func intRule(text: String, expected: Int64?) throws {
        let value = try JSONValue.parse(text)
        if let expected {
            #expect(try Int64(xenops: value) == expected)
            if let narrow = Int(exactly: expected) { #expect(try Int(xenops: value) == narrow) }
        } else {
            #expect(throws: XenopsDecodeError.self) { try Int64(xenops: value) }
            #expect(throws: XenopsDecodeError.self) { try Int(xenops: value) }
        }
    }

    @Test(
        "int32 rejects what does not fit",
        arguments: [
            ("0", Int32?(0)), ("2147483647", Int32.max), ("-2147483648", Int32.min), ("\"12\"", 12),
            ("2147483648", nil), ("-2147483649", nil), ("\"2147483648\"", nil), ("4294967296", nil),
        ])
    func int32Rule(text: String, expected: Int32?) throws {
        let value = try JSONValue.parse(text)
        if let expected {
            #expect(try Int32(xenops: value) == expected)
        } else {
            let error = try #require(throws: XenopsDecodeError.self) { try Int32(xenops: value) }
            #expect(error.description.contains("int32"))
        }
    }

    @Test("integers are written as JSON integers")
    func intOutput() throws {
        #expect(Int64(4_294_967_296).xenops.jsonString == "4294967296")
        #expect(Int32(-5).xenops.jsonString == "-5")
        #expect(1500.xenops == .int(1500))
        // An int field of a record, e.g. ssidref in Vm.t.
        let vm = try F.decode(Metadata.self, F.fullMetadata).vm
        #expect(vm.xenops["ssidref"]?.jsonString == "0")
        #expect(vm.xenops["memory_static_max"]?.jsonString == "4294967296")
    }

    @Test(
        "float ↔ JSON number; input also takes an integer or a numeric string",
        arguments: [
            ("0.42", Double?(0.42)), ("1", 1.0), ("-3", -3.0), ("\"3.71\"", 3.71), ("\"30\"", 30.0),
            ("1718000000.25", 1_718_000_000.25), ("1e3", 1000.0), ("\"abc\"", nil), ("true", nil), ("null", nil),
        ])
    func floatRule(text: String, expected: Double?) throws {
        let value = try JSONValue.parse(text)
        if let expected {
            #expect(try Double(xenops: value) == expected)
        } else {
            #expect(throws: XenopsDecodeError.self) { try Double(xenops: value) }
        }
    }

    @Test("floats are written with a '.', so they stay floats", arguments: [(1.0, "1.0"), (0.0, "0.0"), (3.71, "3.71"), (30, "30.0"), (1_718_000_000.25, "1718000000.25")])
    func floatOutput(value: Double, text: String) throws {
        #expect(value.xenops.jsonString == text)
        #expect(try JSONValue.parse(text).kindName == "a number")
    }

    @Test("a float field written as an integer reads back, and is written as a float")
    func floatFieldFromInteger() throws {
        let hvm = try HVMInfo(xenops: F.json(#"{"shadow_multiplier":2}"#))
        #expect(hvm.shadowMultiplier == 2.0)
        #expect(hvm.xenops.jsonString.contains(#""shadow_multiplier":2.0"#))
        let state = try TaskState(xenops: F.json(#"["Pending",1]"#))
        #expect(state == .pending(1))
        #expect(state.xenops.jsonString == #"["Pending",1.0]"#)
    }

    @Test("bool ↔ true/false")
    func boolRule() throws {
        #expect(try Bool(xenops: .bool(true)) == true)
        #expect(try Bool(xenops: .bool(false)) == false)
        #expect(true.xenops.jsonString == "true")
        #expect(false.xenops.jsonString == "false")
        for wrong: JSONValue in [.int(1), .int(0), .null, .string("yes")] {
            #expect(throws: XenopsDecodeError.self) { try Bool(xenops: wrong) }
        }
    }

    @Test("unit ↔ null: a `\"unit\": null` parameter is present and null; null is also an absent option")
    func unitRule() throws {
        let params = try F.json(#"{"debug_info":"x","unit":null}"#)
        let r = try XenopsRecordReader(params, typeName: "query params")
        #expect(r.has("unit"))
        #expect(r.raw("unit") == .null)
        #expect(JSONValue.null.jsonString == "null")
        // A record option field given as null is None, like a missing key.
        #expect(try VBD(xenops: F.json(#"{"position":null,"backend":null}"#)).position == nil)
        // An Rpc.t of null passes through.
        #expect(try JSONValue(xenops: .null) == .null)
    }

    // MARK: Records

    @Test("a record is an object with one key per field, named as in OCaml")
    func recordKeys() throws {
        let metadata = try F.decode(Metadata.self, F.fullMetadata)
        func keys(_ value: JSONValue) -> Set<String> { Set(value.objectMembers?.map(\.key) ?? []) }
        #expect(
            keys(metadata.vm.xenops) == [
                "id", "name", "ssidref", "xsdata", "platformdata", "bios_strings", "ty", "suppress_spurious_page_faults",
                "memory_static_max", "memory_dynamic_max", "memory_dynamic_min", "vcpu_max", "vcpus", "scheduler_params",
                "on_crash", "on_shutdown", "on_reboot", "on_softreboot", "pci_msitranslate", "pci_power_mgmt",
                "has_vendor_device", "generation_id",
            ])
        #expect(keys(metadata.xenops) == ["vm", "vbds", "vifs", "pcis", "vgpus", "vusbs"])
        #expect(
            keys(metadata.vbds[0].xenops) == [
                "id", "position", "mode", "backend", "ty", "unpluggable", "extra_backend_keys", "extra_private_keys",
                "persistent", "can_attach_early",
            ])
        #expect(
            keys(VMState.halted.xenops) == [
                "power_state", "domids", "consoles", "memory_target", "memory_actual", "memory_limit", "vcpu_target",
                "shadow_multiplier_target", "rtc_timeoffset", "uncooperative_balloon_driver", "guest_agent",
                "xsdata_state", "pv_drivers_detected", "last_start_time", "hvm", "nomigrate", "nested_virt",
                "domain_type", "featureset", "numa_optimised", "numa_nodes", "numa_node_memory",
            ])
        // No key appears twice.
        let members = metadata.vm.xenops.objectMembers ?? []
        #expect(members.count == keys(metadata.vm.xenops).count)
        // Input keys that the type does not know are ignored.
        #expect(try VIF(xenops: F.json(#"{"mtu":9000,"future_field":[1,2]}"#)).mtu == 9000)
        // Anything but an object is not a record.
        #expect(throws: XenopsDecodeError.self) { try VIF(xenops: .array([])) }
    }

    @Test("a record field of type option: omitted for None, the bare value for Some")
    func recordOptionField() throws {
        let id = DeviceID(vm: Self.u, name: "xvda")
        var vbd = VBD(id: id, backend: nil)
        #expect(vbd.xenops["position"] == nil)
        #expect(vbd.xenops["backend"] == nil)
        #expect(vbd.xenops["qos"] == nil)
        vbd.position = DevicePosition(bus: .ide, disk: 0)
        vbd.backend = .vdi(F.vdiName)
        #expect(vbd.xenops["position"]?.jsonString == #"["Ide",0,0]"#)
        #expect(vbd.xenops["backend"]?.jsonString == #"["VDI","\#(F.vdiName)"]"#)
        #expect(try VBD(xenops: vbd.xenops) == vbd)

        var vif = VIF(id: DeviceID(vm: Self.u, name: "0"))
        #expect(vif.xenops["vlan"] == nil)
        #expect(vif.xenops["rate"] == nil)
        vif.vlan = 100
        vif.rate = .init(kbps: 1000, timeslice: 50000)
        #expect(vif.xenops["vlan"] == .int(100))
        #expect(vif.xenops["rate"]?.jsonString == "[1000,50000]")
        #expect(try VIF(xenops: vif.xenops) == vif)

        // Not wrapped as a non-field option would be.
        #expect(throws: XenopsDecodeError.self) { try VIF(xenops: F.json(#"{"vlan":[100]}"#)) }
    }

    @Test("a record field with [@default]: missing takes the default, present overrides it")
    func defaultedField() throws {
        #expect(try VIF(xenops: F.json("{}")).mtu == 1500)
        #expect(try VIF(xenops: F.json(#"{"mtu":9000}"#)).mtu == 9000)
        #expect(try VM(xenops: F.json(Self.vmText(without: "name"))).name == "unnamed")
        #expect(try VM(xenops: F.json(Self.vmText(without: "on_softreboot"))).onSoftreboot == [.softreboot])
        // A field without a default is required.
        #expect(throws: XenopsDecodeError.self) { try VM(xenops: F.json(Self.vmText(without: "pci_msitranslate"))) }
    }

    // MARK: Containers

    @Test("(string * x) list ↔ object; its keys are data")
    func associationListRule() throws {
        var vm = try F.decode(Metadata.self, F.fullMetadata).vm
        vm.xsdata = ["vm-data/Mixed": "1", "FIST/x": "2"]
        let encoded = vm.xenops["xsdata"]
        #expect(encoded == .object([JSONMember("FIST/x", .string("2")), JSONMember("vm-data/Mixed", .string("1"))]))
        #expect(try VM(xenops: vm.xenops).xsdata == vm.xsdata)
        // Values can be any type: Task.t subtasks hold states.
        let subtasks: [String: TaskState] = ["a": .pending(0.5)]
        #expect(subtasks.xenops.jsonString == #"{"a":["Pending",0.5]}"#)
        // Older clients' [[k, v], …] form is read too.
        #expect(try [String: String](xenops: F.json(#"[["k","v"],["K","w"]]"#)) == ["k": "v", "K": "w"])
        #expect(throws: XenopsDecodeError.self) { try [String: String](xenops: F.json(#"["k","v"]"#)) }
    }

    @Test("other lists ↔ arrays")
    func listRule() throws {
        #expect([VMAction.shutdown, .coredump].xenops.jsonString == #"["Shutdown","Coredump"]"#)
        #expect([Int64(10), 20].xenops.jsonString == "[10,20]")
        #expect([[0, 1], [2]].xenops.jsonString == "[[0,1],[2]]")
        #expect(try [[Int]](xenops: F.json("[[0,1],[2]]")) == [[0, 1], [2]])
        var vif = VIF(id: DeviceID(vm: Self.u, name: "0"))
        vif.trunks = [10, 20]
        #expect(vif.xenops["trunks"]?.jsonString == "[10,20]")
        #expect(throws: XenopsDecodeError.self) { try [String](xenops: F.json(#"{"a":"b"}"#)) }
    }

    @Test("tuples ↔ arrays: device ids, Device_number, priority")
    func tupleRule() throws {
        let id = DeviceID(vm: Self.u, name: "xvda")
        #expect(id.xenops.jsonString == #"["\#(Self.u)","xvda"]"#)
        #expect(try DeviceID(xenops: id.xenops) == id)
        let position = DevicePosition(bus: .xen, disk: 0, partition: 0)
        #expect(position.xenops.jsonString == #"["Xen",0,0]"#)
        #expect(try DevicePosition(xenops: F.json(#"["Xen",0,0]"#)) == position)
        let params = SchedulerParams(priority: .init(weight: 256, cap: 0))
        #expect(params.xenops["priority"]?.jsonString == "[256,0]")
        #expect(try SchedulerParams(xenops: params.xenops) == params)
        let pair = VMState.NodeMemory(node: 1, bytes: 1 << 32)
        #expect(pair.xenops.jsonString == "[1,4294967296]")
        let proxy = PVSProxy(site: "site-1", servers: [.init(addresses: ["10.0.0.9"], firstPort: 6910, lastPort: 6930)], interface: "eth0")
        #expect(
            F.difference(
                proxy.xenops, try F.json(#"["site-1",[{"addresses":["10.0.0.9"],"first_port":6910,"last_port":6930}],"eth0"]"#))
                == nil)
        #expect(try PVSProxy(xenops: proxy.xenops) == proxy)
        // The arity is checked.
        #expect(throws: XenopsDecodeError.self) { try DeviceID(xenops: F.json(#"["\#(Self.u)"]"#)) }
        #expect(throws: XenopsDecodeError.self) { try DevicePosition(xenops: F.json(#"["Xen",0]"#)) }
        #expect(throws: XenopsDecodeError.self) { try SchedulerParams(xenops: F.json(#"{"priority":[256,0,1],"affinity":[]}"#)) }
    }

    @Test(
        "a non-field option is [] for None and [v] for Some (Static4/Static6 gateway)",
        arguments: [
            (#"["Static4",[["10.0.0.2/24"],["10.0.0.1"]]]"#, IPv4Configuration.static(cidrs: ["10.0.0.2/24"], gateway: "10.0.0.1")),
            (#"["Static4",[["10.0.0.2/24"],[]]]"#, .static(cidrs: ["10.0.0.2/24"], gateway: nil)),
            (#"["Static4",[[],[]]]"#, .static(cidrs: [], gateway: nil)),
        ])
    func nonFieldOptionRule(text: String, expected: IPv4Configuration) throws {
        let value = try IPv4Configuration(xenops: F.json(text))
        #expect(value == expected)
        #expect(value.xenops.jsonString == text)
    }

    @Test("a non-field option: Static6, and the helpers")
    func nonFieldOptionHelpers() throws {
        let v6 = IPv6Configuration.static(cidrs: ["fd00::2/64"], gateway: "fd00::1")
        #expect(v6.xenops.jsonString == #"["Static6",[["fd00::2/64"],["fd00::1"]]]"#)
        #expect(IPv6Configuration.static(cidrs: [], gateway: nil).xenops.jsonString == #"["Static6",[[],[]]]"#)
        #expect(xenopsEncodeNonFieldOption(Int?.none) == .array([]))
        #expect(xenopsEncodeNonFieldOption(Int?.some(3)) == .array([.int(3)]))
        #expect(try xenopsDecodeNonFieldOption(F.json("[]"), as: Int.self) == nil)
        #expect(try xenopsDecodeNonFieldOption(F.json("[3]"), as: Int.self) == 3)
        // A bare value is not a non-field option.
        #expect(throws: XenopsDecodeError.self) { try xenopsDecodeNonFieldOption(F.json("3"), as: Int.self) }
        #expect(throws: XenopsDecodeError.self) { try xenopsDecodeNonFieldOption(F.json("[3,4]"), as: Int.self) }
    }

    // MARK: Variants

    @Test("a constructor without argument ↔ \"Tag\"")
    func variantWithoutArgument() throws {
        #expect(PowerState.running.xenops.jsonString == #""Running""#)
        #expect(XenopsError.domainNotBuilt.xenops.jsonString == #""Domain_not_built""#)
        #expect(VideoCard.standardVGA.xenops.jsonString == #""Standard_VGA""#)
        #expect(Firmware.bios.xenops.jsonString == #""Bios""#)
        #expect(IPv4Configuration.dhcp.xenops.jsonString == #""DHCP4""#)
        #expect(try PowerState(xenops: .string("Halted")) == .halted)
        // A one-element array is read as the bare tag too.
        #expect(try PowerState(xenops: F.json(#"["Paused"]"#)) == .paused)
    }

    @Test("a constructor with an argument ↔ [\"Tag\", arg]")
    func variantWithArgument() throws {
        #expect(Disk.vdi(F.vdiName).xenops.jsonString == #"["VDI","\#(F.vdiName)"]"#)
        #expect(DynamicID.vm(Self.u).xenops.jsonString == #"["Vm","\#(Self.u)"]"#)
        #expect(DynamicID.vbd(DeviceID(vm: Self.u, name: "xvda")).xenops.jsonString == #"["Vbd",["\#(Self.u)","xvda"]]"#)
        #expect(TaskState.pending(0.42).xenops.jsonString == #"["Pending",0.42]"#)
        #expect(VideoCard.igdPassthroughGVTd.xenops.jsonString == #"["IGD_passthrough","GVT_d"]"#)
        #expect(XenopsError.unimplemented("VM.s3suspend").xenops.jsonString == #"["Unimplemented","VM.s3suspend"]"#)
        let uefi = Firmware.uefi(NVRAMVariables(onBoot: .reset, backend: "xapidb"))
        #expect(F.difference(uefi.xenops, try F.json(#"["Uefi",{"on_boot":"Reset","backend":"xapidb"}]"#)) == nil)
        #expect(try Disk(xenops: F.json(#"["Local","/dev/sdb"]"#)) == .local("/dev/sdb"))
        // Nested: the argument is itself a variant, or a record.
        #expect(VBDQoS.bestEffort(.other(3)).xenops.jsonString == #"["Ionice",["BestEffort",["Other",3]]]"#)
        #expect(VBDQoS.idle.xenops.jsonString == #"["Ionice","Idle"]"#)
        #expect(try VBDQoS(xenops: F.json(#"["Ionice",["RealTime","Highest"]]"#)) == .realTime(.highest))
        let locked = LockingMode.locked(ipv4: ["10.0.0.2"], ipv6: [])
        #expect(F.difference(locked.xenops, try F.json(#"["Locked",{"ipv4":["10.0.0.2"],"ipv6":[]}]"#)) == nil)
        #expect(try LockingMode(xenops: locked.xenops) == locked)
        // A constructor that needs an argument fails without one.
        #expect(throws: XenopsDecodeError.self) { try Disk(xenops: .string("VDI")) }
    }

    @Test("a constructor with several arguments ↔ [\"Tag\", [a, b]]")
    func variantWithSeveralArguments() throws {
        let bad = XenopsError.badPowerState(found: .running, expected: .halted)
        #expect(bad.xenops.jsonString == #"["Bad_power_state",["Running","Halted"]]"#)
        let remote = NetworkBackend.remote(vm: Self.u, bridge: "xenbr1")
        #expect(remote.xenops.jsonString == #"["Remote",["\#(Self.u)","xenbr1"]]"#)
        #expect(try NetworkBackend(xenops: remote.xenops) == remote)
        let failed = XenopsError.failedToShutdown(vm: Self.u, timeout: 1200)
        #expect(failed.xenops.jsonString == #"["Failed_to_shutdown",["\#(Self.u)",1200.0]]"#)
        // The wrong number of arguments is an error.
        #expect(throws: XenopsDecodeError.self) { try NetworkBackend(xenops: F.json(#"["Remote",["\#(Self.u)"]]"#)) }
    }

    @Test("constructor names match case-insensitively", arguments: ["running", "RUNNING", "rUnNiNg", "Running"])
    func caseInsensitiveTags(tag: String) throws {
        #expect(try PowerState(xenops: .string(tag)) == .running)
        #expect(try XenopsError(xenops: F.json(#"["bad_power_state",["\#(tag)","halted"]]"#)) == .badPowerState(found: .running, expected: .halted))
        #expect(try BuilderInfo(xenops: F.json(#"["hvm",{}]"#)) == .hvm(HVMInfo()))
        #expect(try VideoCard(xenops: .string("STANDARD_VGA")) == .standardVGA)
    }

    @Test("an unknown tag is an error, unless the type has a [@@default]")
    func unknownTags() throws {
        // Plain variants reject it, naming the tag.
        let error = try #require(throws: XenopsDecodeError.self) { try PowerState(xenops: .string("Exploded")) }
        #expect(error.description.contains("Exploded"))
        #expect(throws: XenopsDecodeError.self) { try Disk(xenops: F.json(#"["NFS","x"]"#)) }
        #expect(throws: XenopsDecodeError.self) { try BuilderInfo(xenops: F.json(#"["PVH2",{}]"#)) }
        #expect(throws: XenopsDecodeError.self) { try Firmware(xenops: .string("Coreboot")) }
        // video_card [@@default Cirrus].
        #expect(try VideoCard(xenops: .string("Bochs")) == .cirrus)
        #expect(try HVMInfo(xenops: F.json(#"{"video":"QXL"}"#)).video == .cirrus)
        // Errors.error [@@default Unknown_error].
        #expect(try XenopsError(xenops: F.json(#"["Vm_is_on_fire",["x"]]"#)) == .unknownError)
        #expect(try XenopsError(xenops: .string("Some_newer_error")) == .unknownError)
        #expect(try XenopsError(xenops: .string("Unknown_error")) == .unknownError)
    }

    @Test("Rpc.t passes through unchanged (Task Completed result, Failed payload)")
    func rpcPassthrough() throws {
        let arbitrary = try F.json(#"{"a":[1,2.5,null,true,"x",{"nested":{}}],"B":-0.5,"":""}"#)
        #expect(try JSONValue(xenops: arbitrary) == arbitrary)
        let state = TaskState.completed(duration: 0.5, result: arbitrary)
        let encoded = state.xenops
        #expect(F.difference(encoded, .array([.string("Completed"), .object([JSONMember("duration", .double(0.5)), JSONMember("result", arbitrary)])])) == nil)
        #expect(try TaskState(xenops: encoded) == state)
        // The Failed payload is kept as sent, even when it is not a known error.
        let failed = try TaskState(xenops: F.json(#"["Failed",["Vm_is_on_fire",{"how":"very"}]]"#))
        #expect(failed == .failed(try F.json(#"["Vm_is_on_fire",{"how":"very"}]"#)))
        #expect(failed.xenops.jsonString == #"["Failed",["Vm_is_on_fire",{"how":"very"}]]"#)
    }

    // MARK: Helpers

    /// The Vm.t of the full Metadata document without `field`.
    private static func vmText(without field: String) throws -> String {
        let metadata = try JSONValue.parse(CodecFixtures.fullMetadata)
        let vm = try #require(metadata["vm"])
        return CodecFixtures.setting([field], to: nil, in: vm).jsonString
    }
}

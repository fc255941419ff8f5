import Testing
import XenopsCore

private typealias F = CodecFixtures

/// ocaml-rpc lowercases record keys and variant tags on input, and fills in `[@default]`
/// fields: documents written that way decode to the same value as the canonical document.
@Suite("Codec: case-mangled and defaults-omitted documents")
struct CodecLenientInputTests {
    // MARK: Case-insensitivity

    @Test("a Metadata document with every record key and variant tag re-cased decodes equal", arguments: CaseMangling.allCases)
    func caseMangledMetadataDecodesEqual(mangling: CaseMangling) throws {
        let original = try F.json(F.fullMetadata)
        let mangled = mangling.mangle(original, tags: F.metadataTags, mapFields: F.mapFields)
        // The rewrite did something: keys and tags changed, data did not.
        let text = mangled.jsonString
        #expect(original != mangled)
        #expect(!text.contains(#""memory_static_max""#))
        #expect(!text.contains(#""Standard_VGA""#))
        #expect(text.contains(#""device-model":"qemu-upstream-uefi""#))
        #expect(text.contains(F.vmUUID))

        let expected = try Metadata(xenops: original)
        let decoded = try Metadata(xenops: mangled)
        #expect(decoded == expected)
        // Output is canonical again, whatever the input's case.
        #expect(F.difference(decoded.xenops, original) == nil)
    }

    @Test("the keys of (string * string) lists are data: their case is kept")
    func mapKeysKeepTheirCase() throws {
        let xsdata = JSONValue.object([JSONMember("VM-Data/Key", .string("x")), JSONMember("vm-data/key", .string("y"))])
        let document = F.setting(["vm", "xsdata"], to: xsdata, in: try F.json(F.fullMetadata))
        let vm = try Metadata(xenops: document).vm
        #expect(vm.xsdata == ["VM-Data/Key": "x", "vm-data/key": "y"])
        let mangled = CaseMangling.upper.mangle(document, tags: F.metadataTags, mapFields: F.mapFields)
        #expect(try Metadata(xenops: mangled).vm.xsdata == vm.xsdata)
    }

    @Test("every variant tag of the model matches in any case", arguments: CaseMangling.allCases)
    func tagsMatchInAnyCase(mangling: CaseMangling) throws {
        func tag(_ s: String) -> JSONValue { .string(mangling.apply(s)) }
        func variant(_ s: String, _ arg: JSONValue) -> JSONValue { .array([tag(s), arg]) }
        let u = JSONValue.string(F.vmUUID)

        for state in PowerState.allCases { #expect(try PowerState(xenops: tag(state.rawValue)) == state) }
        for action in VMAction.allCases { #expect(try VMAction(xenops: tag(action.rawValue)) == action) }
        for type in DomainType.allCases { #expect(try DomainType(xenops: tag(type.rawValue)) == type) }
        #expect(try VideoCard(xenops: tag("Standard_VGA")) == .standardVGA)
        #expect(try VideoCard(xenops: tag("Vgpu")) == .vgpu)
        #expect(try VideoCard(xenops: variant("IGD_passthrough", tag("GVT_d"))) == .igdPassthroughGVTd)
        #expect(try Firmware(xenops: tag("Bios")) == .bios)
        #expect(try TPM(xenops: variant("Vtpm", u)) == TPM(vtpmUUID: F.vmUUID))
        #expect(try Disk(xenops: variant("Local", .string("/dev/sda"))) == .local("/dev/sda"))
        #expect(try NetworkBackend(xenops: variant("Remote", .array([u, .string("xenbr1")]))) == .remote(vm: F.vmUUID, bridge: "xenbr1"))
        #expect(try IPv4Configuration(xenops: tag("DHCP4")) == .dhcp)
        #expect(try IPv6Configuration(xenops: tag("Autoconf6")) == .autoconf)
        #expect(try LockingMode(xenops: tag("Disabled")) == .disabled)
        #expect(try VBDQoS(xenops: variant("Ionice", variant("BestEffort", variant("Other", .int(3))))) == .bestEffort(.other(3)))
        #expect(try VBDQoS(xenops: variant("Ionice", tag("Idle"))) == .idle)
        #expect(try DevicePosition.Bus(xenops: tag("Scsi")) == .scsi)
        #expect(try DynamicID(xenops: variant("Vgpu", .array([u, .string("0")]))) == .vgpu(DeviceID(vm: F.vmUUID, name: "0")))
        #expect(try TaskState(xenops: variant("Pending", .double(0.5))) == .pending(0.5))
        #expect(try XenopsError(xenops: tag("PCIBack_not_loaded")) == .pciBackNotLoaded)
        #expect(try XenopsError(xenops: variant("Bad_power_state", .array([tag("Paused"), tag("Halted")]))) == .badPowerState(found: .paused, expected: .halted))
    }

    @Test("record keys match in any case, in Task.t too", arguments: CaseMangling.allCases)
    func taskKeysMatchInAnyCase(mangling: CaseMangling) throws {
        let original = try F.json(
            #"""
            {"id":"57","dbg":"d","ctime":1718000000.25,"state":["Completed",{"duration":3.71,"result":"r"}],
             "subtasks":{"VM_create":["Pending",0.5]},"debug_info":{"cancel_points_seen":"7"},
             "backtrace":"()","cancellable":true}
            """#)
        let mangled = mangling.mangle(original, tags: ["Completed", "Pending"], mapFields: F.mapFields)
        #expect(try TaskInfo(xenops: mangled) == TaskInfo(xenops: original))
        #expect(try TaskInfo(xenops: mangled).subtasks.keys.first == "VM_create")
    }

    // MARK: Defaults

    @Test("an HVM Metadata with every =d field omitted decodes equal to the full one")
    func minimalHVMEqualsDefaulted() throws {
        let minimal = try F.decode(Metadata.self, F.minimalHVMMetadata)
        let full = try F.decode(Metadata.self, F.defaultedHVMMetadata)
        #expect(minimal == full)
        // And the output writes every default out.
        let output = minimal.xenops
        #expect(F.difference(output, try F.json(F.defaultedHVMMetadata)) == nil)
    }

    @Test("a PV Metadata with only vm, and pv_info with only boot, decodes equal to the full one", arguments: ["Direct", "Indirect"])
    func minimalPVEqualsDefaulted(boot: String) throws {
        let minimal = try F.decode(Metadata.self, F.minimalPVMetadata(boot: boot))
        let full = try F.decode(Metadata.self, F.defaultedPVMetadata(boot: boot))
        #expect(minimal == full)
        #expect(F.difference(minimal.xenops, try F.json(F.defaultedPVMetadata(boot: boot))) == nil)
    }

    @Test("the defaults are the ones of the OCaml types (§2)")
    func defaultValues() throws {
        let metadata = try F.decode(Metadata.self, F.minimalHVMMetadata)
        let vm = metadata.vm
        #expect(vm.name == "unnamed")
        #expect(vm.onSoftreboot == [.softreboot])
        #expect(vm.hasVendorDevice == false)
        #expect(vm.generationID == nil && vm.machineAddressSize == nil)
        #expect(vm.schedulerParams.priority == nil)

        guard case .hvm(let hvm) = vm.ty else {
            Issue.record("expected HVM, got \(vm.ty)")
            return
        }
        #expect(hvm.hap == true)
        #expect(hvm.shadowMultiplier == 1.0)
        #expect(hvm.timeoffset == "")
        #expect(hvm.videoMib == 4)
        #expect(hvm.video == .cirrus)
        #expect(hvm.acpi == true)
        #expect(hvm.serial == nil && hvm.keymap == nil && hvm.vncIP == nil && hvm.tpm == nil)
        #expect(hvm.pciEmulations.isEmpty && hvm.pciPassthrough == false)
        #expect(hvm.bootOrder == "")
        #expect(hvm.qemuDiskCmdline == false && hvm.qemuStubdom == false)
        #expect(hvm.firmware == .bios)

        let vbd = try #require(metadata.vbds.first)
        #expect(vbd.position == nil && vbd.backend == nil && vbd.qos == nil)
        #expect(vbd.mode == .readWrite && vbd.ty == .disk)
        #expect(vbd.unpluggable && vbd.persistent && !vbd.canAttachEarly)
        #expect(vbd.extraBackendKeys.isEmpty && vbd.extraPrivateKeys.isEmpty)

        let vif = try #require(metadata.vifs.first)
        #expect(vif.position == 0)
        #expect(vif.mac == "fe:ff:ff:ff:ff:ff")
        #expect(vif.carrier == true)
        #expect(vif.mtu == 1500)
        #expect(vif.rate == nil && vif.pvsProxy == nil && vif.vlan == nil)
        #expect(vif.backend == .local("xenbr0"))
        #expect(vif.otherConfig.isEmpty && vif.extraPrivateKeys.isEmpty)
        #expect(vif.lockingMode == .unlocked)
        #expect(vif.ipv4Configuration == .unspecified && vif.ipv6Configuration == .unspecified)
        #expect(vif.trunks.isEmpty)

        #expect(metadata.pcis.isEmpty && metadata.vgpus.isEmpty && metadata.vusbs.isEmpty && metadata.domains == nil)

        // Uefi's record has defaults too.
        #expect(try Firmware(xenops: F.json(#"["Uefi",{}]"#)) == .uefi(NVRAMVariables(onBoot: .persist, backend: "xapidb")))
        // A Vbd.t and a Vif.t may be empty objects: even the id has a default.
        #expect(try VBD(xenops: .object([])).id == DeviceID(vm: "", name: ""))
        #expect(try VIF(xenops: .object([])).id == DeviceID(vm: "", name: ""))
    }

    @Test("defaults and case-mangling together")
    func minimalAndMangled() throws {
        let mangled = CaseMangling.alternating.mangle(
            try F.json(F.minimalHVMMetadata), tags: ["HVM", "Shutdown", "Start"], mapFields: F.mapFields)
        #expect(try Metadata(xenops: mangled) == F.decode(Metadata.self, F.defaultedHVMMetadata))
    }
}

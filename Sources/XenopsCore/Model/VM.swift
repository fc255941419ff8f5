/// `Vm.t`: the configuration of a VM for its next boot, as XAPI pushes it.
public struct VM: Sendable, Hashable {
    public var id: String
    public var name: String = "unnamed"
    public var ssidref: Int32 = 0
    /// Written to `/local/domain/N/vm-data` etc.
    public var xsdata: [String: String] = [:]
    /// Written verbatim to `/local/domain/N/platform`.
    public var platformdata: [String: String] = [:]
    public var biosStrings: [String: String] = [:]
    public var ty: BuilderInfo
    public var suppressSpuriousPageFaults: Bool = false
    public var machineAddressSize: Int?
    /// Bytes.
    public var memoryStaticMax: Int64
    public var memoryDynamicMax: Int64
    public var memoryDynamicMin: Int64
    /// Boot-time maximum.
    public var vcpuMax: Int
    /// Initially online.
    public var vcpus: Int
    public var schedulerParams: SchedulerParams = .init()
    public var onCrash: [VMAction] = [.shutdown]
    public var onShutdown: [VMAction] = [.shutdown]
    public var onReboot: [VMAction] = [.start]
    public var onSoftreboot: [VMAction] = [.softreboot]
    public var pciMsitranslate: Bool = true
    public var pciPowerMgmt: Bool = false
    public var hasVendorDevice: Bool = false
    public var generationID: String?

    public init(
        id: String, name: String = "unnamed", ty: BuilderInfo,
        memoryStaticMax: Int64, memoryDynamicMax: Int64? = nil, memoryDynamicMin: Int64? = nil,
        vcpuMax: Int = 1, vcpus: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.ty = ty
        self.memoryStaticMax = memoryStaticMax
        self.memoryDynamicMax = memoryDynamicMax ?? memoryStaticMax
        self.memoryDynamicMin = memoryDynamicMin ?? memoryDynamicMax ?? memoryStaticMax
        self.vcpuMax = vcpuMax
        self.vcpus = vcpus ?? vcpuMax
    }
}

/// `action`: what to do when the guest shuts down, reboots or crashes.
public enum VMAction: String, XenopsEnum {
    case coredump = "Coredump"
    case shutdown = "Shutdown"
    case start = "Start"
    case pause = "Pause"
    case softreboot = "Softreboot"
    public static let xenopsTypeName = "Vm.action"
}

/// `scheduler_params`.
public struct SchedulerParams: Sendable, Hashable, XenopsCodable {
    /// Credit scheduler `(weight, cap)`.
    public var priority: Priority?
    /// Per-vCPU list of pCPUs.
    public var affinity: [[Int]] = []

    public struct Priority: Sendable, Hashable {
        public var weight: Int
        public var cap: Int
        public init(weight: Int, cap: Int) {
            self.weight = weight
            self.cap = cap
        }
    }

    public init(priority: Priority? = nil, affinity: [[Int]] = []) {
        self.priority = priority
        self.affinity = affinity
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.scheduler_params")
        priority = try r.optional("priority") { v in
            let e = try xenopsTupleElements(v, count: 2, of: "priority [weight, cap]")
            return Priority(weight: try Int(xenops: e[0]), cap: try Int(xenops: e[1]))
        }
        affinity = try r.defaulted("affinity", [])
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 2)
        if let priority { w.set("priority", json: .array([priority.weight.xenops, priority.cap.xenops])) }
        w.set("affinity", affinity)
        return w.json
    }
}

/// `builder_info`: how the domain is built.
public enum BuilderInfo: Sendable, Hashable, XenopsCodable {
    case hvm(HVMInfo)
    case pv(PVInfo)
    case pvInPVH(PVInfo)
    case pvh(PVInfo)

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vm.builder_info")
        switch v.key {
        case "hvm": self = .hvm(try v.argument())
        case "pv": self = .pv(try v.argument())
        case "pvinpvh": self = .pvInPVH(try v.argument())
        case "pvh": self = .pvh(try v.argument())
        default: throw v.unknownTag(expected: ["HVM", "PV", "PVinPVH", "PVH"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .hvm(let i): return xenopsVariant("HVM", i.xenops)
        case .pv(let i): return xenopsVariant("PV", i.xenops)
        case .pvInPVH(let i): return xenopsVariant("PVinPVH", i.xenops)
        case .pvh(let i): return xenopsVariant("PVH", i.xenops)
        }
    }

    /// The `domain_type` a domain built this way reports.
    public var domainType: DomainType {
        switch self {
        case .hvm: return .hvm
        case .pv: return .pv
        case .pvInPVH: return .pvInPVH
        case .pvh: return .pvh
        }
    }
}

/// `hvm_info`: every field has a default.
public struct HVMInfo: Sendable, Hashable, XenopsCodable {
    public var hap = true
    public var shadowMultiplier = 1.0
    public var timeoffset = ""
    public var videoMib = 4
    public var video: VideoCard = .cirrus
    public var acpi = true
    public var serial: String?
    public var keymap: String?
    public var vncIP: String?
    public var pciEmulations: [String] = []
    public var pciPassthrough = false
    public var bootOrder = ""
    public var qemuDiskCmdline = false
    public var qemuStubdom = false
    public var firmware: Firmware = .bios
    public var tpm: TPM?

    public init() {}

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.hvm_info")
        hap = try r.defaulted("hap", true)
        shadowMultiplier = try r.defaulted("shadow_multiplier", 1.0)
        timeoffset = try r.defaulted("timeoffset", "")
        videoMib = try r.defaulted("video_mib", 4)
        video = try r.defaulted("video", VideoCard.cirrus)
        acpi = try r.defaulted("acpi", true)
        serial = try r.optional("serial")
        keymap = try r.optional("keymap")
        vncIP = try r.optional("vnc_ip")
        pciEmulations = try r.defaulted("pci_emulations", [])
        pciPassthrough = try r.defaulted("pci_passthrough", false)
        bootOrder = try r.defaulted("boot_order", "")
        qemuDiskCmdline = try r.defaulted("qemu_disk_cmdline", false)
        qemuStubdom = try r.defaulted("qemu_stubdom", false)
        firmware = try r.defaulted("firmware", Firmware.bios)
        tpm = try r.optional("tpm")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 16)
        w.set("hap", hap)
        w.set("shadow_multiplier", shadowMultiplier)
        w.set("timeoffset", timeoffset)
        w.set("video_mib", videoMib)
        w.set("video", video)
        w.set("acpi", acpi)
        w.set("serial", optional: serial)
        w.set("keymap", optional: keymap)
        w.set("vnc_ip", optional: vncIP)
        w.set("pci_emulations", pciEmulations)
        w.set("pci_passthrough", pciPassthrough)
        w.set("boot_order", bootOrder)
        w.set("qemu_disk_cmdline", qemuDiskCmdline)
        w.set("qemu_stubdom", qemuStubdom)
        w.set("firmware", firmware)
        w.set("tpm", optional: tpm)
        return w.json
    }
}

/// `video_card`, `[@@default Cirrus]`.
public enum VideoCard: Sendable, Hashable, XenopsCodable {
    case cirrus
    case standardVGA
    case vgpu
    /// `IGD_passthrough GVT_d`, the only passthrough kind.
    case igdPassthroughGVTd

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vm.video_card")
        switch v.key {
        case "cirrus": self = .cirrus
        case "standard_vga": self = .standardVGA
        case "vgpu": self = .vgpu
        case "igd_passthrough": self = .igdPassthroughGVTd
        default: self = .cirrus  // [@@default Cirrus]
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .cirrus: return .string("Cirrus")
        case .standardVGA: return .string("Standard_VGA")
        case .vgpu: return .string("Vgpu")
        case .igdPassthroughGVTd: return xenopsVariant("IGD_passthrough", .string("GVT_d"))
        }
    }
}

/// `firmware_type`.
public enum Firmware: Sendable, Hashable, XenopsCodable {
    case bios
    case uefi(NVRAMVariables)

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vm.firmware_type")
        switch v.key {
        case "bios": self = .bios
        case "uefi": self = .uefi(v.argument == nil ? NVRAMVariables() : try v.argument())
        default: throw v.unknownTag(expected: ["Bios", "Uefi"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .bios: return .string("Bios")
        case .uefi(let n): return xenopsVariant("Uefi", n.xenops)
        }
    }
}

/// `Nvram_uefi_variables.t`.
public struct NVRAMVariables: Sendable, Hashable, XenopsCodable {
    public enum OnBoot: String, XenopsEnum {
        case persist = "Persist"
        case reset = "Reset"
        public static let xenopsTypeName = "Nvram_uefi_variables.onboot"
    }
    public var onBoot: OnBoot = .persist
    public var backend = "xapidb"

    public init(onBoot: OnBoot = .persist, backend: String = "xapidb") {
        self.onBoot = onBoot
        self.backend = backend
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Nvram_uefi_variables.t")
        onBoot = try r.defaulted("on_boot", OnBoot.persist)
        backend = try r.defaulted("backend", "xapidb")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 2)
        w.set("on_boot", onBoot)
        w.set("backend", backend)
        return w.json
    }
}

/// `tpm`: `Vtpm uuid`.
public struct TPM: Sendable, Hashable, XenopsCodable {
    public var vtpmUUID: String
    public init(vtpmUUID: String) { self.vtpmUUID = vtpmUUID }
    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vm.tpm")
        guard v.key == "vtpm" else { throw v.unknownTag(expected: ["Vtpm"]) }
        vtpmUUID = try v.argument()
    }
    public var xenops: JSONValue { xenopsVariant("Vtpm", .string(vtpmUUID)) }
}

/// `pv_info`.
public struct PVInfo: Sendable, Hashable, XenopsCodable {
    public var boot: PVBoot
    public var framebuffer = true
    public var framebufferIP: String?
    public var vncterm = true
    public var vnctermIP: String?
    public var pciPassthrough = false

    public init(boot: PVBoot) { self.boot = boot }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.pv_info")
        boot = try r.required("boot")
        framebuffer = try r.defaulted("framebuffer", true)
        framebufferIP = try r.optional("framebuffer_ip")
        vncterm = try r.defaulted("vncterm", true)
        vnctermIP = try r.optional("vncterm_ip")
        pciPassthrough = try r.defaulted("pci_passthrough", false)
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 6)
        w.set("boot", boot)
        w.set("framebuffer", framebuffer)
        w.set("framebuffer_ip", optional: framebufferIP)
        w.set("vncterm", vncterm)
        w.set("vncterm_ip", optional: vnctermIP)
        w.set("pci_passthrough", pciPassthrough)
        return w.json
    }
}

/// `pv_boot`: a kernel given directly, or a bootloader that finds one.
public enum PVBoot: Sendable, Hashable, XenopsCodable {
    case direct(DirectBoot)
    case indirect(IndirectBoot)

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vm.pv_boot")
        switch v.key {
        case "direct": self = .direct(try v.argument())
        case "indirect": self = .indirect(try v.argument())
        default: throw v.unknownTag(expected: ["Direct", "Indirect"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .direct(let d): return xenopsVariant("Direct", d.xenops)
        case .indirect(let i): return xenopsVariant("Indirect", i.xenops)
        }
    }
}

/// `pv_direct_boot`.
public struct DirectBoot: Sendable, Hashable, XenopsCodable {
    public var kernel = ""
    public var cmdline = ""
    public var ramdisk: String?

    public init(kernel: String, cmdline: String = "", ramdisk: String? = nil) {
        self.kernel = kernel
        self.cmdline = cmdline
        self.ramdisk = ramdisk
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.pv_direct_boot")
        kernel = try r.defaulted("kernel", "")
        cmdline = try r.defaulted("cmdline", "")
        ramdisk = try r.optional("ramdisk")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 3)
        w.set("kernel", kernel)
        w.set("cmdline", cmdline)
        w.set("ramdisk", optional: ramdisk)
        return w.json
    }
}

/// `pv_indirect_boot`.
public struct IndirectBoot: Sendable, Hashable, XenopsCodable {
    public var bootloader = ""
    public var extraArgs = ""
    public var legacyArgs = ""
    public var bootloaderArgs = ""
    public var devices: [Disk] = []

    public init(bootloader: String, extraArgs: String = "", legacyArgs: String = "", bootloaderArgs: String = "", devices: [Disk] = []) {
        self.bootloader = bootloader
        self.extraArgs = extraArgs
        self.legacyArgs = legacyArgs
        self.bootloaderArgs = bootloaderArgs
        self.devices = devices
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.pv_indirect_boot")
        bootloader = try r.defaulted("bootloader", "")
        extraArgs = try r.defaulted("extra_args", "")
        legacyArgs = try r.defaulted("legacy_args", "")
        bootloaderArgs = try r.defaulted("bootloader_args", "")
        devices = try r.defaulted("devices", [])
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 5)
        w.set("bootloader", bootloader)
        w.set("extra_args", extraArgs)
        w.set("legacy_args", legacyArgs)
        w.set("bootloader_args", bootloaderArgs)
        w.set("devices", devices)
        return w.json
    }
}

extension VM: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.t")
        id = try r.required("id")
        name = try r.defaulted("name", "unnamed")
        ssidref = try r.required("ssidref")
        xsdata = try r.required("xsdata")
        platformdata = try r.required("platformdata")
        biosStrings = try r.required("bios_strings")
        ty = try r.required("ty")
        suppressSpuriousPageFaults = try r.required("suppress_spurious_page_faults")
        machineAddressSize = try r.optional("machine_address_size")
        memoryStaticMax = try r.required("memory_static_max")
        memoryDynamicMax = try r.required("memory_dynamic_max")
        memoryDynamicMin = try r.required("memory_dynamic_min")
        vcpuMax = try r.required("vcpu_max")
        vcpus = try r.required("vcpus")
        schedulerParams = try r.required("scheduler_params")
        onCrash = try r.required("on_crash")
        onShutdown = try r.required("on_shutdown")
        onReboot = try r.required("on_reboot")
        onSoftreboot = try r.defaulted("on_softreboot", [.softreboot])
        pciMsitranslate = try r.required("pci_msitranslate")
        pciPowerMgmt = try r.required("pci_power_mgmt")
        hasVendorDevice = try r.defaulted("has_vendor_device", false)
        generationID = try r.optional("generation_id")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 24)
        w.set("id", id)
        w.set("name", name)
        w.set("ssidref", ssidref)
        w.set("xsdata", xsdata)
        w.set("platformdata", platformdata)
        w.set("bios_strings", biosStrings)
        w.set("ty", ty)
        w.set("suppress_spurious_page_faults", suppressSpuriousPageFaults)
        w.set("machine_address_size", optional: machineAddressSize)
        w.set("memory_static_max", memoryStaticMax)
        w.set("memory_dynamic_max", memoryDynamicMax)
        w.set("memory_dynamic_min", memoryDynamicMin)
        w.set("vcpu_max", vcpuMax)
        w.set("vcpus", vcpus)
        w.set("scheduler_params", schedulerParams)
        w.set("on_crash", onCrash)
        w.set("on_shutdown", onShutdown)
        w.set("on_reboot", onReboot)
        w.set("on_softreboot", onSoftreboot)
        w.set("pci_msitranslate", pciMsitranslate)
        w.set("pci_power_mgmt", pciPowerMgmt)
        w.set("has_vendor_device", hasVendorDevice)
        w.set("generation_id", optional: generationID)
        return w.json
    }
}

/// `Pci.t`: a PCI function passed through to the guest.
public struct PCI: Sendable, Hashable, XenopsCodable {
    public var id: DeviceID
    public var position: Int
    public var address: PCIAddress
    public var msitranslate: Bool?
    public var powerMgmt: Bool?

    public init(id: DeviceID, position: Int, address: PCIAddress, msitranslate: Bool? = nil, powerMgmt: Bool? = nil) {
        self.id = id
        self.position = position
        self.address = address
        self.msitranslate = msitranslate
        self.powerMgmt = powerMgmt
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Pci.t")
        id = try r.required("id")
        position = try r.required("position")
        address = try r.required("address")
        msitranslate = try r.optional("msitranslate")
        powerMgmt = try r.optional("power_mgmt")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 5)
        w.set("id", id)
        w.set("position", position)
        w.set("address", address)
        w.set("msitranslate", optional: msitranslate)
        w.set("power_mgmt", optional: powerMgmt)
        return w.json
    }
}

/// `Pci.state` (also `Vusb.state`).
public struct PluggedState: Sendable, Hashable, XenopsCodable {
    public var plugged: Bool
    public init(plugged: Bool) { self.plugged = plugged }
    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Pci.state")
        plugged = try r.required("plugged")
    }
    public var xenops: JSONValue { .object([JSONMember("plugged", .bool(plugged))]) }
}

/// `Vgpu.t`. The `implementation` is kept as its raw xenops JSON: this daemon stores and
/// returns vGPU configuration but does not drive vGPUs (see Docs/api.md).
public struct VGPU: Sendable, Hashable, XenopsCodable {
    public var id = DeviceID(vm: "", name: "")
    public var position = 0
    public var virtualPCIAddress: PCIAddress?
    public var physicalPCIAddress = PCIAddress()
    /// `GVT_g {…} | Nvidia {…} | MxGPU {…} | Empty`, as sent.
    public var implementation: JSONValue = .string("Empty")

    public init(id: DeviceID) { self.id = id }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vgpu.t")
        id = try r.defaulted("id", DeviceID(vm: "", name: ""))
        position = try r.defaulted("position", 0)
        virtualPCIAddress = try r.optional("virtual_pci_address")
        physicalPCIAddress = try r.defaulted("physical_pci_address", PCIAddress())
        implementation = try r.defaulted("implementation", JSONValue.string("Empty"))
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 5)
        w.set("id", id)
        w.set("position", position)
        w.set("virtual_pci_address", optional: virtualPCIAddress)
        w.set("physical_pci_address", physicalPCIAddress)
        w.set("implementation", json: implementation)
        return w.json
    }
}

/// `Vgpu.state`.
public struct VGPUState: Sendable, Hashable, XenopsCodable {
    public var active = false
    public var plugged = false
    public var emulatorPID: Int?

    public init() {}

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vgpu.state")
        active = try r.required("active")
        plugged = try r.required("plugged")
        emulatorPID = try r.optional("emulator_pid")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 3)
        w.set("active", active)
        w.set("plugged", plugged)
        w.set("emulator_pid", optional: emulatorPID)
        return w.json
    }
}

/// `Vusb.t`: a USB device passed through with qemu.
public struct VUSB: Sendable, Hashable, XenopsCodable {
    public var id: DeviceID
    public var hostbus: String
    public var hostport: String
    public var version: String
    public var path: String
    public var speed: Double

    public init(id: DeviceID, hostbus: String, hostport: String, version: String, path: String, speed: Double) {
        self.id = id
        self.hostbus = hostbus
        self.hostport = hostport
        self.version = version
        self.path = path
        self.speed = speed
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vusb.t")
        id = try r.required("id")
        hostbus = try r.required("hostbus")
        hostport = try r.required("hostport")
        version = try r.required("version")
        path = try r.required("path")
        speed = try r.required("speed")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 6)
        w.set("id", id)
        w.set("hostbus", hostbus)
        w.set("hostport", hostport)
        w.set("version", version)
        w.set("path", path)
        w.set("speed", speed)
        return w.json
    }
}

/// `Metadata.t`: a VM and all its devices, as `VM.import_metadata`/`export_metadata` carry it.
public struct Metadata: Sendable, Hashable, XenopsCodable {
    public var vm: VM
    public var vbds: [VBD] = []
    public var vifs: [VIF] = []
    public var pcis: [PCI] = []
    public var vgpus: [VGPU] = []
    public var vusbs: [VUSB] = []
    /// The backend's opaque state blob.
    public var domains: String?

    public init(vm: VM, vbds: [VBD] = [], vifs: [VIF] = [], pcis: [PCI] = [], vgpus: [VGPU] = [], vusbs: [VUSB] = [], domains: String? = nil) {
        self.vm = vm
        self.vbds = vbds
        self.vifs = vifs
        self.pcis = pcis
        self.vgpus = vgpus
        self.vusbs = vusbs
        self.domains = domains
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Metadata.t")
        vm = try r.required("vm")
        vbds = try r.defaulted("vbds", [])
        vifs = try r.defaulted("vifs", [])
        pcis = try r.defaulted("pcis", [])
        vgpus = try r.defaulted("vgpus", [])
        vusbs = try r.defaulted("vusbs", [])
        domains = try r.optional("domains")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 7)
        w.set("vm", vm)
        w.set("vbds", vbds)
        w.set("vifs", vifs)
        w.set("pcis", pcis)
        w.set("vgpus", vgpus)
        w.set("vusbs", vusbs)
        w.set("domains", optional: domains)
        return w.json
    }
}

/// `power_state`: what the toolstack reports for a VM.
public enum PowerState: String, XenopsEnum {
    case running = "Running"
    case halted = "Halted"
    case suspended = "Suspended"
    case paused = "Paused"
    public static let xenopsTypeName = "power_state"
}

/// `disk`: where a block device's data lives.
public enum Disk: Sendable, Hashable, XenopsCodable {
    /// A path to a local block device or file in dom0.
    case local(String)
    /// A VDI, typically `"SR_uuid/VDI_location"`.
    case vdi(String)

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "disk")
        switch v.key {
        case "local": self = .local(try v.argument())
        case "vdi": self = .vdi(try v.argument())
        default: throw v.unknownTag(expected: ["Local", "VDI"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .local(let path): return xenopsVariant("Local", .string(path))
        case .vdi(let name): return xenopsVariant("VDI", .string(name))
        }
    }
}

/// A device id: the VM uuid and the device name (`["<vm>", "xvda"]`, `["<vm>", "0"]`).
public struct DeviceID: Sendable, Hashable, XenopsCodable, CustomStringConvertible, Comparable {
    public var vm: String
    public var name: String

    public init(vm: String, name: String) {
        self.vm = vm
        self.name = name
    }

    public init(xenops value: JSONValue) throws {
        let e = try xenopsTupleElements(value, count: 2, of: "a device id [vm, name]")
        vm = try String(xenops: e[0])
        name = try String(xenops: e[1])
    }

    public var xenops: JSONValue { .array([.string(vm), .string(name)]) }
    public var description: String { "\(vm).\(name)" }

    public static func < (a: DeviceID, b: DeviceID) -> Bool { (a.vm, a.name) < (b.vm, b.name) }
}

/// `Xcp_pci.address`: a PCI function address.
public struct PCIAddress: Sendable, Hashable, XenopsCodable, CustomStringConvertible {
    public var domain: Int
    public var bus: Int
    public var dev: Int
    public var fn: Int

    public init(domain: Int = 0, bus: Int = 0, dev: Int = 0, fn: Int = 0) {
        self.domain = domain
        self.bus = bus
        self.dev = dev
        self.fn = fn
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Pci.address")
        domain = try r.required("domain")
        bus = try r.required("bus")
        dev = try r.required("dev")
        fn = try r.required("fn")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 4)
        w.set("domain", domain)
        w.set("bus", bus)
        w.set("dev", dev)
        w.set("fn", fn)
        return w.json
    }

    /// The usual `dddd:bb:dd.f` form.
    public var description: String {
        func hex(_ v: Int, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(hex(domain, 4)):\(hex(bus, 2)):\(hex(dev, 2)).\(fn)"
    }
}

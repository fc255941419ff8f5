/// `Device_number.t`: where a disk sits, as `[bus, disk, partition]`.
public struct DevicePosition: Sendable, Hashable, XenopsCodable {
    public enum Bus: String, XenopsEnum {
        case xen = "Xen"
        case scsi = "Scsi"
        case floppy = "Floppy"
        case ide = "Ide"
        public static let xenopsTypeName = "Device_number.bus_type"
    }
    public var bus: Bus
    public var disk: Int
    public var partition: Int

    public init(bus: Bus, disk: Int, partition: Int = 0) {
        self.bus = bus
        self.disk = disk
        self.partition = partition
    }

    public init(xenops value: JSONValue) throws {
        let e = try xenopsTupleElements(value, count: 3, of: "Device_number.t [bus, disk, partition]")
        bus = try Bus(xenops: e[0])
        disk = try Int(xenops: e[1])
        partition = try Int(xenops: e[2])
    }

    public var xenops: JSONValue { .array([bus.xenops, disk.xenops, partition.xenops]) }

    /// The Linux device name, e.g. `xvda`, `sdc1`, `fda` (`Device_number.to_linux_device`).
    public var linuxDeviceName: String {
        let prefix: String
        switch bus {
        case .xen: prefix = "xvd"
        case .scsi: prefix = "sd"
        case .floppy: prefix = "fd"
        case .ide: prefix = "xvd"  // XAPI names IDE disks xvd* too (hd* are upgraded on import).
        }
        return prefix + Self.letters(disk) + (partition == 0 ? "" : String(partition))
    }

    /// Disk index to letters: 0 → a, 25 → z, 26 → aa.
    static func letters(_ index: Int) -> String {
        var n = index
        var out = ""
        repeat {
            out = String(UnicodeScalar(UInt8(97 + n % 26))) + out
            n = n / 26 - 1
        } while n >= 0
        return out
    }
}

/// `Vbd.t`: a virtual block device. Every field has a default.
public struct VBD: Sendable, Hashable {
    public enum Mode: String, XenopsEnum {
        case readOnly = "ReadOnly"
        case readWrite = "ReadWrite"
        public static let xenopsTypeName = "Vbd.mode"
    }
    public enum Kind: String, XenopsEnum {
        case cdrom = "CDROM"
        case disk = "Disk"
        case floppy = "Floppy"
        public static let xenopsTypeName = "Vbd.ty"
    }

    public var id: DeviceID
    public var position: DevicePosition?
    public var mode: Mode = .readWrite
    /// `nil` is an empty CD drive.
    public var backend: Disk?
    public var ty: Kind = .disk
    public var unpluggable = true
    public var extraBackendKeys: [String: String] = [:]
    public var extraPrivateKeys: [String: String] = [:]
    public var qos: VBDQoS?
    public var persistent = true
    public var canAttachEarly = false

    public init(id: DeviceID, position: DevicePosition? = nil, mode: Mode = .readWrite, backend: Disk?, ty: Kind = .disk) {
        self.id = id
        self.position = position
        self.mode = mode
        self.backend = backend
        self.ty = ty
    }
}

extension VBD: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vbd.t")
        id = try r.defaulted("id", DeviceID(vm: "", name: ""))
        position = try r.optional("position")
        mode = try r.defaulted("mode", Mode.readWrite)
        backend = try r.optional("backend")
        ty = try r.defaulted("ty", Kind.disk)
        unpluggable = try r.defaulted("unpluggable", true)
        extraBackendKeys = try r.defaulted("extra_backend_keys", [:])
        extraPrivateKeys = try r.defaulted("extra_private_keys", [:])
        qos = try r.optional("qos")
        persistent = try r.defaulted("persistent", true)
        canAttachEarly = try r.defaulted("can_attach_early", false)
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 11)
        w.set("id", id)
        w.set("position", optional: position)
        w.set("mode", mode)
        w.set("backend", optional: backend)
        w.set("ty", ty)
        w.set("unpluggable", unpluggable)
        w.set("extra_backend_keys", extraBackendKeys)
        w.set("extra_private_keys", extraPrivateKeys)
        w.set("qos", optional: qos)
        w.set("persistent", persistent)
        w.set("can_attach_early", canAttachEarly)
        return w.json
    }
}

/// `Vbd.qos`: `Ionice (RealTime c | Idle | BestEffort c)`.
public enum VBDQoS: Sendable, Hashable, XenopsCodable {
    case realTime(QoSClass)
    case idle
    case bestEffort(QoSClass)

    /// `qos_class`.
    public enum QoSClass: Sendable, Hashable, XenopsCodable {
        case highest, high, normal, low, lowest
        case other(Int)

        public init(xenops value: JSONValue) throws {
            let v = try XenopsVariantReader(value, typeName: "Vbd.qos_class")
            switch v.key {
            case "highest": self = .highest
            case "high": self = .high
            case "normal": self = .normal
            case "low": self = .low
            case "lowest": self = .lowest
            case "other": self = .other(try v.argument())
            default: throw v.unknownTag(expected: ["Highest", "High", "Normal", "Low", "Lowest", "Other"])
            }
        }

        public var xenops: JSONValue {
            switch self {
            case .highest: return .string("Highest")
            case .high: return .string("High")
            case .normal: return .string("Normal")
            case .low: return .string("Low")
            case .lowest: return .string("Lowest")
            case .other(let n): return xenopsVariant("Other", n.xenops)
            }
        }
    }

    public init(xenops value: JSONValue) throws {
        let outer = try XenopsVariantReader(value, typeName: "Vbd.qos")
        guard outer.key == "ionice" else { throw outer.unknownTag(expected: ["Ionice"]) }
        self = try outer.decodeArgument { arg in
            let v = try XenopsVariantReader(arg, typeName: "Vbd.qos_scheduler")
            switch v.key {
            case "realtime": return .realTime(try v.argument())
            case "idle": return .idle
            case "besteffort": return .bestEffort(try v.argument())
            default: throw v.unknownTag(expected: ["RealTime", "Idle", "BestEffort"])
            }
        }
    }

    public var xenops: JSONValue {
        let inner: JSONValue
        switch self {
        case .realTime(let c): inner = xenopsVariant("RealTime", c.xenops)
        case .idle: inner = .string("Idle")
        case .bestEffort(let c): inner = xenopsVariant("BestEffort", c.xenops)
        }
        return xenopsVariant("Ionice", inner)
    }
}

/// `Vbd.state`.
public struct VBDState: Sendable, Hashable, XenopsCodable {
    public var active = false
    public var plugged = false
    public var qosTarget: VBDQoS?
    public var backendPresent: Disk?

    public init(active: Bool = false, plugged: Bool = false, qosTarget: VBDQoS? = nil, backendPresent: Disk? = nil) {
        self.active = active
        self.plugged = plugged
        self.qosTarget = qosTarget
        self.backendPresent = backendPresent
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vbd.state")
        active = try r.required("active")
        plugged = try r.required("plugged")
        qosTarget = try r.optional("qos_target")
        backendPresent = try r.optional("backend_present")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 4)
        w.set("active", active)
        w.set("plugged", plugged)
        w.set("qos_target", optional: qosTarget)
        w.set("backend_present", optional: backendPresent)
        return w.json
    }
}

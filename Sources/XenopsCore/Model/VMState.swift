/// `domain_type`.
public enum DomainType: String, XenopsEnum {
    case hvm = "Domain_HVM"
    case pv = "Domain_PV"
    case pvInPVH = "Domain_PVinPVH"
    case pvh = "Domain_PVH"
    case undefined = "Domain_undefined"
    public static let xenopsTypeName = "Vm.domain_type"
}

/// `console`: how to reach a VM's console.
public struct Console: Sendable, Hashable, XenopsCodable {
    public enum ConsoleProtocol: String, XenopsEnum {
        case rfb = "Rfb"
        case vt100 = "Vt100"
        public static let xenopsTypeName = "Vm.console_protocol"
    }
    public var `protocol`: ConsoleProtocol
    public var port: Int
    public var path: String

    public init(protocol: ConsoleProtocol, port: Int, path: String) {
        self.protocol = `protocol`
        self.port = port
        self.path = path
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.console")
        `protocol` = try r.required("protocol")
        port = try r.required("port")
        path = try r.required("path")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 3)
        w.set("protocol", `protocol`)
        w.set("port", port)
        w.set("path", path)
        return w.json
    }
}

/// `Vm.state`: the live state of a VM. The halted defaults are all zeros and empty values.
public struct VMState: Sendable, Hashable, XenopsCodable {
    public var powerState: PowerState = .halted
    public var domids: [Int] = []
    public var consoles: [Console] = []
    public var memoryTarget: Int64 = 0
    public var memoryActual: Int64 = 0
    public var memoryLimit: Int64 = 0
    public var vcpuTarget = 0
    public var shadowMultiplierTarget = 1.0
    public var rtcTimeoffset = ""
    public var uncooperativeBalloonDriver = false
    public var guestAgent: [String: String] = [:]
    public var xsdataState: [String: String] = [:]
    public var pvDriversDetected = false
    public var lastStartTime = 0.0
    public var hvm = false
    public var nomigrate = false
    public var nestedVirt = false
    public var domainType: DomainType = .undefined
    public var featureset = ""
    public var numaOptimised = false
    public var numaNodes = 0
    /// `(node, bytes)` pairs.
    public var numaNodeMemory: [NodeMemory] = []

    /// One `[node, bytes]` pair of `numa_node_memory`.
    public struct NodeMemory: Sendable, Hashable, XenopsCodable {
        public var node: Int
        public var bytes: Int64
        public init(node: Int, bytes: Int64) {
            self.node = node
            self.bytes = bytes
        }
        public init(xenops value: JSONValue) throws {
            let e = try xenopsTupleElements(value, count: 2, of: "[node, bytes]")
            node = try Int(xenops: e[0])
            bytes = try Int64(xenops: e[1])
        }
        public var xenops: JSONValue { .array([node.xenops, bytes.xenops]) }
    }

    /// The state of a VM with no domain.
    public static let halted = VMState()

    public init() {}

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vm.state")
        powerState = try r.required("power_state")
        domids = try r.required("domids")
        consoles = try r.required("consoles")
        memoryTarget = try r.required("memory_target")
        memoryActual = try r.required("memory_actual")
        memoryLimit = try r.required("memory_limit")
        vcpuTarget = try r.required("vcpu_target")
        shadowMultiplierTarget = try r.required("shadow_multiplier_target")
        rtcTimeoffset = try r.required("rtc_timeoffset")
        uncooperativeBalloonDriver = try r.required("uncooperative_balloon_driver")
        guestAgent = try r.required("guest_agent")
        xsdataState = try r.required("xsdata_state")
        pvDriversDetected = try r.required("pv_drivers_detected")
        lastStartTime = try r.required("last_start_time")
        hvm = try r.required("hvm")
        nomigrate = try r.required("nomigrate")
        nestedVirt = try r.required("nested_virt")
        domainType = try r.required("domain_type")
        featureset = try r.required("featureset")
        // The NUMA fields are newer than some clients: default them.
        numaOptimised = try r.defaulted("numa_optimised", false)
        numaNodes = try r.defaulted("numa_nodes", 0)
        numaNodeMemory = try r.defaulted("numa_node_memory", [])
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 22)
        w.set("power_state", powerState)
        w.set("domids", domids)
        w.set("consoles", consoles)
        w.set("memory_target", memoryTarget)
        w.set("memory_actual", memoryActual)
        w.set("memory_limit", memoryLimit)
        w.set("vcpu_target", vcpuTarget)
        w.set("shadow_multiplier_target", shadowMultiplierTarget)
        w.set("rtc_timeoffset", rtcTimeoffset)
        w.set("uncooperative_balloon_driver", uncooperativeBalloonDriver)
        w.set("guest_agent", guestAgent)
        w.set("xsdata_state", xsdataState)
        w.set("pv_drivers_detected", pvDriversDetected)
        w.set("last_start_time", lastStartTime)
        w.set("hvm", hvm)
        w.set("nomigrate", nomigrate)
        w.set("nested_virt", nestedVirt)
        w.set("domain_type", domainType)
        w.set("featureset", featureset)
        w.set("numa_optimised", numaOptimised)
        w.set("numa_nodes", numaNodes)
        w.set("numa_node_memory", numaNodeMemory)
        return w.json
    }
}

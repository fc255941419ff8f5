/// `Network.t`: what a VIF's backend connects to.
public enum NetworkBackend: Sendable, Hashable, XenopsCodable {
    /// A local bridge or switch, e.g. `xenbr0`.
    case local(String)
    /// A bridge in a driver domain: `(vm uuid, bridge)`.
    case remote(vm: String, bridge: String)
    /// An SR-IOV virtual function.
    case sriov(PCIAddress)

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Network.t")
        switch v.key {
        case "local": self = .local(try v.argument())
        case "remote":
            let e = try v.tupleArguments(2)
            self = .remote(vm: try String(xenops: e[0]), bridge: try String(xenops: e[1]))
        case "sriov": self = .sriov(try v.argument())
        default: throw v.unknownTag(expected: ["Local", "Remote", "Sriov"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .local(let bridge): return xenopsVariant("Local", .string(bridge))
        case .remote(let vm, let bridge): return xenopsVariant("Remote", .array([.string(vm), .string(bridge)]))
        case .sriov(let address): return xenopsVariant("Sriov", address.xenops)
        }
    }
}

/// `Vif.t`: a virtual network interface. Every field has a default.
public struct VIF: Sendable, Hashable {
    public var id: DeviceID
    public var position = 0
    public var mac = "fe:ff:ff:ff:ff:ff"
    public var carrier = true
    public var mtu = 1500
    /// `(kbps, timeslice µs)`.
    public var rate: Rate?
    public var backend: NetworkBackend = .local("xenbr0")
    public var otherConfig: [String: String] = [:]
    public var lockingMode: LockingMode = .unlocked
    public var extraPrivateKeys: [String: String] = [:]
    public var ipv4Configuration: IPv4Configuration = .unspecified
    public var ipv6Configuration: IPv6Configuration = .unspecified
    public var pvsProxy: PVSProxy?
    public var vlan: Int64?
    public var trunks: [Int64] = []

    public struct Rate: Sendable, Hashable {
        public var kbps: Int64
        public var timeslice: Int64
        public init(kbps: Int64, timeslice: Int64) {
            self.kbps = kbps
            self.timeslice = timeslice
        }
    }

    public init(id: DeviceID, position: Int = 0, mac: String = "fe:ff:ff:ff:ff:ff", backend: NetworkBackend = .local("xenbr0")) {
        self.id = id
        self.position = position
        self.mac = mac
        self.backend = backend
    }
}

/// `locking_mode`.
public enum LockingMode: Sendable, Hashable, XenopsCodable {
    case unlocked
    case disabled
    case locked(ipv4: [String], ipv6: [String])

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vif.locking_mode")
        switch v.key {
        case "unlocked": self = .unlocked
        case "disabled": self = .disabled
        case "locked":
            self = try v.decodeArgument { arg in
                let r = try XenopsRecordReader(arg, typeName: "Vif.locked_addresses")
                return .locked(ipv4: try r.required("ipv4"), ipv6: try r.required("ipv6"))
            }
        default: throw v.unknownTag(expected: ["Unlocked", "Disabled", "Locked"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .unlocked: return .string("Unlocked")
        case .disabled: return .string("Disabled")
        case .locked(let v4, let v6):
            var w = XenopsRecordWriter(capacity: 2)
            w.set("ipv4", v4)
            w.set("ipv6", v6)
            return xenopsVariant("Locked", w.json)
        }
    }
}

/// `ipv4_configuration`: `Unspecified4 | Static4 (cidrs, gateway option) | DHCP4`.
public enum IPv4Configuration: Sendable, Hashable, XenopsCodable {
    case unspecified
    case `static`(cidrs: [String], gateway: String?)
    case dhcp

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vif.ipv4_configuration")
        switch v.key {
        case "unspecified4": self = .unspecified
        case "dhcp4": self = .dhcp
        case "static4":
            let e = try v.tupleArguments(2)
            self = .static(cidrs: try [String](xenops: e[0]), gateway: try xenopsDecodeNonFieldOption(e[1], as: String.self))
        default: throw v.unknownTag(expected: ["Unspecified4", "Static4", "DHCP4"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .unspecified: return .string("Unspecified4")
        case .dhcp: return .string("DHCP4")
        case .static(let cidrs, let gateway):
            return xenopsVariant("Static4", .array([cidrs.xenops, xenopsEncodeNonFieldOption(gateway)]))
        }
    }
}

/// `ipv6_configuration`: `Unspecified6 | Static6 (cidrs, gateway option) | Autoconf6`.
public enum IPv6Configuration: Sendable, Hashable, XenopsCodable {
    case unspecified
    case `static`(cidrs: [String], gateway: String?)
    case autoconf

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Vif.ipv6_configuration")
        switch v.key {
        case "unspecified6": self = .unspecified
        case "autoconf6": self = .autoconf
        case "static6":
            let e = try v.tupleArguments(2)
            self = .static(cidrs: try [String](xenops: e[0]), gateway: try xenopsDecodeNonFieldOption(e[1], as: String.self))
        default: throw v.unknownTag(expected: ["Unspecified6", "Static6", "Autoconf6"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .unspecified: return .string("Unspecified6")
        case .autoconf: return .string("Autoconf6")
        case .static(let cidrs, let gateway):
            return xenopsVariant("Static6", .array([cidrs.xenops, xenopsEncodeNonFieldOption(gateway)]))
        }
    }
}

/// `PVS_proxy.t`: `(site, servers, interface)`.
public struct PVSProxy: Sendable, Hashable, XenopsCodable {
    public struct Server: Sendable, Hashable, XenopsCodable {
        public var addresses: [String]
        public var firstPort: Int
        public var lastPort: Int

        public init(addresses: [String], firstPort: Int, lastPort: Int) {
            self.addresses = addresses
            self.firstPort = firstPort
            self.lastPort = lastPort
        }

        public init(xenops value: JSONValue) throws {
            let r = try XenopsRecordReader(value, typeName: "PVS_proxy.server")
            addresses = try r.required("addresses")
            firstPort = try r.required("first_port")
            lastPort = try r.required("last_port")
        }

        public var xenops: JSONValue {
            var w = XenopsRecordWriter(capacity: 3)
            w.set("addresses", addresses)
            w.set("first_port", firstPort)
            w.set("last_port", lastPort)
            return w.json
        }
    }
    public var site: String
    public var servers: [Server]
    public var interface: String

    public init(site: String, servers: [Server], interface: String) {
        self.site = site
        self.servers = servers
        self.interface = interface
    }

    public init(xenops value: JSONValue) throws {
        let e = try xenopsTupleElements(value, count: 3, of: "PVS_proxy.t [site, servers, interface]")
        site = try String(xenops: e[0])
        servers = try [Server](xenops: e[1])
        interface = try String(xenops: e[2])
    }

    public var xenops: JSONValue { .array([site.xenops, servers.xenops, interface.xenops]) }
}

extension VIF: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vif.t")
        id = try r.defaulted("id", DeviceID(vm: "", name: ""))
        position = try r.defaulted("position", 0)
        mac = try r.defaulted("mac", "fe:ff:ff:ff:ff:ff")
        carrier = try r.defaulted("carrier", true)
        mtu = try r.defaulted("mtu", 1500)
        rate = try r.optional("rate") { v in
            let e = try xenopsTupleElements(v, count: 2, of: "rate [kbps, timeslice]")
            return Rate(kbps: try Int64(xenops: e[0]), timeslice: try Int64(xenops: e[1]))
        }
        backend = try r.defaulted("backend", NetworkBackend.local("xenbr0"))
        otherConfig = try r.defaulted("other_config", [:])
        lockingMode = try r.defaulted("locking_mode", LockingMode.unlocked)
        extraPrivateKeys = try r.defaulted("extra_private_keys", [:])
        ipv4Configuration = try r.defaulted("ipv4_configuration", IPv4Configuration.unspecified)
        ipv6Configuration = try r.defaulted("ipv6_configuration", IPv6Configuration.unspecified)
        pvsProxy = try r.optional("pvs_proxy")
        vlan = try r.optional("vlan")
        trunks = try r.defaulted("trunks", [])
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 15)
        w.set("id", id)
        w.set("position", position)
        w.set("mac", mac)
        w.set("carrier", carrier)
        w.set("mtu", mtu)
        if let rate { w.set("rate", json: .array([rate.kbps.xenops, rate.timeslice.xenops])) }
        w.set("backend", backend)
        w.set("other_config", otherConfig)
        w.set("locking_mode", lockingMode)
        w.set("extra_private_keys", extraPrivateKeys)
        w.set("ipv4_configuration", ipv4Configuration)
        w.set("ipv6_configuration", ipv6Configuration)
        w.set("pvs_proxy", optional: pvsProxy)
        w.set("vlan", optional: vlan)
        w.set("trunks", trunks)
        return w.json
    }
}

/// `Vif.state`.
public struct VIFState: Sendable, Hashable, XenopsCodable {
    public var active = false
    public var plugged = false
    public var kthreadPID = 0
    public var mediaPresent = false
    public var device: String?
    public var pvsRulesActive = false

    public init(active: Bool = false, plugged: Bool = false, kthreadPID: Int = 0, mediaPresent: Bool = false, device: String? = nil, pvsRulesActive: Bool = false) {
        self.active = active
        self.plugged = plugged
        self.kthreadPID = kthreadPID
        self.mediaPresent = mediaPresent
        self.device = device
        self.pvsRulesActive = pvsRulesActive
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Vif.state")
        active = try r.required("active")
        plugged = try r.required("plugged")
        kthreadPID = try r.required("kthread_pid")
        mediaPresent = try r.required("media_present")
        device = try r.optional("device")
        pvsRulesActive = try r.required("pvs_rules_active")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 6)
        w.set("active", active)
        w.set("plugged", plugged)
        w.set("kthread_pid", kthreadPID)
        w.set("media_present", mediaPresent)
        w.set("device", optional: device)
        w.set("pvs_rules_active", pvsRulesActive)
        return w.json
    }
}

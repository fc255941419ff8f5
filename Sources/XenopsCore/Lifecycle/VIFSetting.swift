/// One VIF setting that a `VIF.set_*`/`VIF.move` call changes: stored in the VIF's record
/// (so `VIF.stat` and `VM.export_metadata` show it and it survives a restart) and applied to
/// the plugged device.
public enum VIFSetting: Sendable, Hashable {
    /// `VIF.move`: the network (bridge) the VIF's backend is connected to.
    case network(NetworkBackend)
    case lockingMode(LockingMode)
    case ipv4(IPv4Configuration)
    case ipv6(IPv6Configuration)
    case pvsProxy(PVSProxy?)
    case trunks([Int64])

    /// The settings of `vif` that must be applied whenever it is plugged (VM start, reboot,
    /// resume, hot-plug), as xenopsd passes them when it creates the device: those that differ
    /// from the defaults, in xenopsd's order (rules before addresses). The network is not among
    /// them: the backend builds the VIF on its bridge.
    public static func appliedAtPlug(_ vif: VIF) -> [VIFSetting] {
        var settings: [VIFSetting] = []
        if vif.lockingMode != .unlocked { settings.append(.lockingMode(vif.lockingMode)) }
        if vif.ipv4Configuration != .unspecified { settings.append(.ipv4(vif.ipv4Configuration)) }
        if vif.ipv6Configuration != .unspecified { settings.append(.ipv6(vif.ipv6Configuration)) }
        if let proxy = vif.pvsProxy { settings.append(.pvsProxy(proxy)) }
        if !vif.trunks.isEmpty { settings.append(.trunks(vif.trunks)) }
        return settings
    }

    /// The API method that changes this setting.
    public var methodName: String {
        switch self {
        case .network: return "VIF.move"
        case .lockingMode: return "VIF.set_locking_mode"
        case .ipv4: return "VIF.set_ipv4_configuration"
        case .ipv6: return "VIF.set_ipv6_configuration"
        case .pvsProxy: return "VIF.set_pvs_proxy"
        case .trunks: return "VIF.set_trunks"
        }
    }

    /// Whether xenopsd writes the record before applying (so the scripts it runs read the new
    /// value): every setting but the trunks, which are stored once applied.
    public var storedBeforeApplying: Bool {
        if case .trunks = self { return false }
        return true
    }

    /// `vif` with this setting applied.
    public func applied(to vif: VIF) -> VIF {
        var v = vif
        switch self {
        case .network(let n): v.backend = n
        case .lockingMode(let m): v.lockingMode = m
        case .ipv4(let c): v.ipv4Configuration = c
        case .ipv6(let c): v.ipv6Configuration = c
        case .pvsProxy(let p): v.pvsProxy = p
        case .trunks(let t): v.trunks = t
        }
        return v
    }

    /// Refuses values xenopsd cannot apply, before anything is changed.
    func validate() throws(XenopsError) {
        switch self {
        case .network(.sriov): throw .unimplemented("network SR-IOV")
        case .network(.remote): throw .unimplemented("network driver domains")
        case .network(.local(let bridge)) where bridge.isEmpty:
            throw .internalError("VIF.move: the bridge name is empty; pass [\"Local\", \"<bridge>\"]")
        case .ipv4(.static(let cidrs, _)) where cidrs.isEmpty:
            throw .internalError("Static IPv4 configuration selected, but no address specified.")
        case .ipv6(.static(let cidrs, _)) where cidrs.isEmpty:
            throw .internalError("Static IPv6 configuration selected, but no address specified.")
        default: return
        }
    }
}

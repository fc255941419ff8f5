import XenopsCore

/// One change to xenstore: what a backend writes for a guest or for the toolstack's scripts.
public enum XenstoreEdit: Sendable, Hashable {
    case write(String, String)
    /// Removes the node and everything under it (a missing node is not an error).
    case remove(String)
}

/// Where xenopsd keeps what it publishes in xenstore, and what it writes there for each
/// setting (`xen-api:ocaml/xenopsd/xc/xenops_server_xen.ml`, `device_common.ml`). Both
/// backends write exactly these keys (the simulator into its model of xenstore), so the guest
/// agent and XCP-ng's `setup-vif-rules`/`setup-pvs-proxy-rules` find them where they look.
public enum XenstoreLayout {
    /// A domain's home: `/local/domain/<domid>`.
    public static func domainPath(_ domid: Int) -> String { "/local/domain/\(domid)" }

    /// The toolstack's private data of a VIF, read by the vif scripts:
    /// `/xapi/<vm uuid>/private/vif/<devid>`.
    public static func privateVIFPath(vm: String, devid: Int) -> String { "/xapi/\(vm)/private/vif/\(devid)" }

    /// The frontend's disconnect flag (`1`: no traffic), written with the locking mode.
    public static func disconnectPath(domid: Int, devid: Int) -> String { "\(domainPath(domid))/device/vif/\(devid)/disconnect" }

    /// Where the guest agent reads a VIF's static IP setting.
    public static func staticIPPath(domid: Int, devid: Int) -> String {
        "\(domainPath(domid))/xenserver/device/vif/\(devid)/static-ip-setting"
    }

    /// `control/ts`: the RDP request the guest agent acts on (`1` on, `0` off).
    public static func rdpPath(domid: Int) -> String { "\(domainPath(domid))/control/ts" }
    /// `control/shutdown`: the request the PV drivers act on (`s3` for ACPI S3).
    public static func shutdownPath(domid: Int) -> String { "\(domainPath(domid))/control/shutdown" }
    /// Present when the guest agent runs scripts (`VM.run_script`).
    public static func batcmdFeaturePath(domid: Int) -> String { "\(domainPath(domid))/control/feature-xs-batcmd" }
    /// The script exchange with the guest agent: `script`, `state`, `return`, `stdout`, `stderr`.
    public static func batcmdPath(domid: Int) -> String { "\(domainPath(domid))/control/batcmd" }
    /// The licensed guest-agent features, readable by every domain.
    public static let guestAgentFeaturesRoot = "/guest_agent_features"

    /// The keys the locking mode replaces.
    public static let lockingModeKeys = ["locking-mode", "ipv4-allowed", "ipv6-allowed"]

    /// `VIF.set_locking_mode`: the private keys (old ones removed first) and the disconnect
    /// flag, which is set when the carrier is off or the mode is `Disabled`.
    public static func lockingMode(_ mode: LockingMode, vif: VIF, vm: String, domid: Int) -> [XenstoreEdit] {
        let path = privateVIFPath(vm: vm, devid: vif.position)
        var edits = lockingModeKeys.map { XenstoreEdit.remove("\(path)/\($0)") }
        switch mode {
        case .locked(let v4, let v6):
            edits += [.write("\(path)/locking-mode", "locked"), .write("\(path)/ipv4-allowed", v4.joined(separator: ",")),
                      .write("\(path)/ipv6-allowed", v6.joined(separator: ","))]
        case .unlocked: edits.append(.write("\(path)/locking-mode", "unlocked"))
        case .disabled: edits.append(.write("\(path)/locking-mode", "disabled"))
        }
        let disconnected = !(vif.carrier && mode != .disabled)
        edits.append(.write(disconnectPath(domid: domid, devid: vif.position), disconnected ? "1" : "0"))
        return edits
    }

    /// `VIF.set_ipv4_configuration`: `enabled` 0 (unspecified), 1 (static: first address
    /// and optional gateway), 2 (DHCP).
    public static func ipv4(_ c: IPv4Configuration, domid: Int, devid: Int) -> [XenstoreEdit] {
        let path = staticIPPath(domid: domid, devid: devid)
        switch c {
        case .unspecified: return unspecifiedOrAuto(path, suffix: "", mode: "0")
        case .dhcp: return unspecifiedOrAuto(path, suffix: "", mode: "2")
        case .static(let cidrs, let gateway): return staticIP(path, suffix: "", address: cidrs.first ?? "", gateway: gateway)
        }
    }

    /// `VIF.set_ipv6_configuration`: as ``ipv4(_:domid:devid:)`` with keys ending in `6`
    /// (`enabled6` 2 is autoconf).
    public static func ipv6(_ c: IPv6Configuration, domid: Int, devid: Int) -> [XenstoreEdit] {
        let path = staticIPPath(domid: domid, devid: devid)
        switch c {
        case .unspecified: return unspecifiedOrAuto(path, suffix: "6", mode: "0")
        case .autoconf: return unspecifiedOrAuto(path, suffix: "6", mode: "2")
        case .static(let cidrs, let gateway): return staticIP(path, suffix: "6", address: cidrs.first ?? "", gateway: gateway)
        }
    }

    private static func unspecifiedOrAuto(_ path: String, suffix: String, mode: String) -> [XenstoreEdit] {
        [.write("\(path)/enabled\(suffix)", mode), .remove("\(path)/address\(suffix)"), .remove("\(path)/gateway\(suffix)")]
    }

    private static func staticIP(_ path: String, suffix: String, address: String, gateway: String?) -> [XenstoreEdit] {
        [.write("\(path)/enabled\(suffix)", "1"), .write("\(path)/address\(suffix)", address),
         gateway.map { .write("\(path)/gateway\(suffix)", $0) } ?? .remove("\(path)/gateway\(suffix)")]
    }

    /// The `pvs-*` private keys of a PVS proxy (none for nil).
    public static func pvsProxyKeys(_ proxy: PVSProxy?) -> [(String, String)] {
        guard let p = proxy else { return [] }
        var keys = [("pvs-site", p.site), ("pvs-interface", p.interface), ("pvs-server-num", String(p.servers.count))]
        for (i, server) in p.servers.enumerated() {
            keys.append(("pvs-server-\(i)-addresses", server.addresses.joined(separator: ",")))
            keys.append(("pvs-server-\(i)-ports", "\(server.firstPort)-\(server.lastPort)"))
        }
        return keys
    }

    /// `VIF.set_trunks`: the comma-separated VLAN ids in the VIF's private `trunks` key.
    public static func trunks(_ trunks: [Int64], vm: String, devid: Int) -> XenstoreEdit {
        .write("\(privateVIFPath(vm: vm, devid: devid))/trunks", trunks.map(String.init).joined(separator: ","))
    }

    /// `VIF.move`: the private `bridge` key the vif scripts read.
    public static func bridge(_ bridge: String, vm: String, devid: Int) -> XenstoreEdit {
        .write("\(privateVIFPath(vm: vm, devid: devid))/bridge", bridge)
    }

    /// `HOST.update_guest_agent_features`: the whole tree is replaced. Every node is made
    /// readable by all domains (owner dom0, others read) by the backend.
    public static func guestAgentFeatures(_ features: [GuestAgentFeature]) -> [XenstoreEdit] {
        let root = guestAgentFeaturesRoot
        var edits: [XenstoreEdit] = [.remove(root), .write(root, "")]
        for f in features {
            let featureRoot = "\(root)/\(f.name)"
            edits += [.write(featureRoot, ""), .write("\(featureRoot)/parameters", ""), .write("\(featureRoot)/licensed", f.licensed ? "1" : "0")]
            for (key, value) in f.parameters.sorted(by: { $0.key < $1.key }) {
                edits.append(.write("\(featureRoot)/parameters/\(key)", value))
            }
        }
        return edits
    }
}

/// Direct access to xenstore (or the simulator's model of it): for the conformance suite,
/// which checks the keys a backend wrote and plays a guest agent through them, and for
/// diagnostics. Paths are absolute.
public protocol XenstoreAccess: Sendable {
    func xenstoreRead(_ path: String) async throws -> String?
    func xenstoreWrite(_ path: String, _ value: String) async throws
    func xenstoreRemove(_ path: String) async throws
}

import CXenLight
import Foundation
import XenopsBackend
import XenopsCore

/// Issue 9 with libxl: the VIF settings. Each writes xenopsd's xenstore keys
/// (``XenopsBackend/XenstoreLayout``) and then runs what xenopsd runs to apply them: XCP-ng's
/// `setup-vif-rules` and `setup-pvs-proxy-rules`, `ovs-vsctl`. Where a program is missing on
/// this host the keys stay written and the call fails with an `Unimplemented` that names it.
extension LibxlHypervisor {
    public func applyVIFSetting(vm: String, _ vif: VIF, _ setting: VIFSetting) async throws {
        let operation = setting.methodName
        let (d, record) = try await requireManaged(vm, for: operation)
        guard let r = record.vifs[vif.id.name] else { throw BackendError.noDevice(vm: vm, device: vif.id.name) }
        let domid = Int(d.domid)
        var device = vif
        device.position = r.devid  // the devid libxl used is authoritative
        let interfaces = ["vif\(domid).\(r.devid)", "vif\(domid).\(r.devid)-emu"]
        switch setting {
        case .network(.local(let bridge)):
            try await moveVIF(vm: vm, domid: domid, devid: r.devid, to: bridge, interfaces: interfaces)
        case .network:
            throw BackendError.xenops(.unimplemented("network driver domains and SR-IOV"))
        case .lockingMode(let mode):
            try await applyXenstore(XenstoreLayout.lockingMode(mode, vif: device, vm: vm, domid: domid), operation: operation, vm: vm)
            let script = helper(configuration.setupVifRules, "The VIF locking mode",
                                "Install XCP-ng's xenopsd scripts, or point --setup-vif-rules at a script taking: classic <interface> <vm uuid> <devid> filter.")
            try await call(operation, vm: vm) {
                for name in interfaces where Self.interfaceExists(name) {
                    try script.run(Self.vifRulesArguments(interface: name, vm: vm, devid: r.devid), operation: operation)
                }
            }
        case .ipv4(let c):
            try await applyXenstore(XenstoreLayout.ipv4(c, domid: domid, devid: r.devid), operation: operation, vm: vm)
        case .ipv6(let c):
            try await applyXenstore(XenstoreLayout.ipv6(c, domid: domid, devid: r.devid), operation: operation, vm: vm)
        case .pvsProxy(let proxy):
            try await setPVSProxy(proxy, vm: vm, domid: domid, devid: r.devid, interfaces: interfaces)
        case .trunks(let trunks):
            try await applyXenstore([XenstoreLayout.trunks(trunks, vm: vm, devid: r.devid)], operation: operation, vm: vm)
            let ovs = helper(configuration.ovsVsctl, "VLAN trunks (an Open vSwitch port setting)",
                             "Install Open vSwitch and connect the VIF to an OVS bridge; Linux bridges have no trunk ports.")
            let value = trunks.map(String.init).joined(separator: ",")
            try await call(operation, vm: vm) {
                for name in interfaces where Self.interfaceExists(name) {
                    try ovs.run(trunks.isEmpty ? ["clear", "Port", name, "trunks"] : ["set", "Port", name, "trunks=\(value)"], operation: operation)
                }
            }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .vif(vif.id)))
    }

    /// `VIF.move` on Linux bridges: the private `bridge` key and libxl's backend `bridge`
    /// are rewritten and the dom0 interfaces re-enslaved (`ip link set … master`).
    func moveVIF(vm: String, domid: Int, devid: Int, to bridge: String, interfaces: [String]) async throws {
        guard FileManager.default.fileExists(atPath: "/sys/class/net/\(bridge)/bridge") else {
            throw BackendError.failed(operation: "VIF.move", code: Int(LibxlErrorCode.invalid.rawValue),
                                      detail: "\(bridge) is not a Linux bridge in dom0",
                                      remedy: "Create it (ip link add \(bridge) type bridge) or pass an existing bridge.")
        }
        try await applyXenstore([XenstoreLayout.bridge(bridge, vm: vm, devid: devid),
                                 .write("/local/domain/0/backend/vif/\(domid)/\(devid)/bridge", bridge)], operation: "VIF.move", vm: vm)
        let ip = helper(configuration.ipCommand, "Moving a VIF between bridges", "Install iproute2.")
        try await call("VIF.move", vm: vm) {
            for name in interfaces where Self.interfaceExists(name) {
                try ip.run(["link", "set", "dev", name, "master", bridge], operation: "VIF.move")
            }
        }
    }

    /// xenopsd's PVS proxy: keys then `setup-pvs-proxy-rules add`, or `remove` then the keys go.
    func setPVSProxy(_ proxy: PVSProxy?, vm: String, domid: Int, devid: Int, interfaces: [String]) async throws {
        let operation = "VIF.set_pvs_proxy"
        let privatePath = XenstoreLayout.privateVIFPath(vm: vm, devid: devid)
        let hotplugPath = "/xapi/\(vm)/hotplug/\(domid)/vif/\(devid)"
        let script = helper(configuration.setupPVSProxyRules, "A PVS proxy",
                            "It needs XCP-ng's PVS proxy daemon and setup-pvs-proxy-rules (Citrix Provisioning); neither is packaged for a Debian dom0.")
        let setup: @Sendable (String) throws -> Void = { action in
            for (i, name) in interfaces.enumerated() where Self.interfaceExists(name) {
                do { try script.run([action, i == 0 ? "vif" : "tap", name, privatePath, hotplugPath], operation: operation) } catch {
                    if i == 0 { throw error }  // the emulated (tap) interface may have gone with PV drivers
                }
            }
        }
        if let proxy {
            try await applyXenstore(XenstoreLayout.pvsProxyKeys(proxy).map { .write("\(privatePath)/\($0.0)", $0.1) }, operation: operation, vm: vm)
            try await call(operation, vm: vm) { try setup("add") }
        } else {
            try await call(operation, vm: vm) { try setup("remove") }
            let keys = try await call(operation, vm: vm) { [xenstore] in xenstore.directory(privatePath) ?? [] }
            try await applyXenstore(keys.filter { $0.hasPrefix("pvs-") }.map { .remove("\(privatePath)/\($0)") }, operation: operation, vm: vm)
        }
    }

    /// The arguments xenopsd passes to `setup-vif-rules` (`xenops_server_xen.ml`, `set_locking_mode`).
    static func vifRulesArguments(interface: String, vm: String, devid: Int) -> [String] {
        ["classic", interface, vm, String(devid), "filter"]
    }

    func helper(_ path: String, _ purpose: String, _ install: String) -> HelperScript {
        HelperScript(path: path, purpose: purpose, install: install, timeout: configuration.scriptTimeout)
    }

    static func interfaceExists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: "/sys/class/net/\(name)") }
}

import XenopsBackend
import XenopsCore

/// Issue 9 on the simulator: VIF settings written to the model of xenstore exactly as the
/// libxl backend writes them (the scripts XCP-ng runs are not simulated: their input is),
/// VBD QoS, USB passthrough and PCI quarantine.
extension SimulatedHypervisor {
    /// Applies a VIF setting to the plugged NIC `vif`.
    public func applyVIFSetting(vm: String, _ vif: VIF, _ setting: VIFSetting) async throws {
        let name = vif.id.name
        try await begin(.applyVIFSetting, vm: vm, detail: "\(name) \(setting.methodName)")
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .applyVIFSetting)
            guard d.vifs[name] != nil else { throw BackendError.noDevice(vm: vm, device: name) }
            let devid = vif.position
            switch setting {
            case .network(.local(let bridge)):
                Self.apply([XenstoreLayout.bridge(bridge, vm: vm, devid: devid)], in: &s)
                s.world.domains[vm]?.vifs[name]?.network = bridge
            case .network:
                throw BackendError.xenops(.unimplemented("network driver domains and SR-IOV"))
            case .lockingMode(let mode):
                Self.apply(XenstoreLayout.lockingMode(mode, vif: vif, vm: vm, domid: d.domid), in: &s)
            case .ipv4(let c):
                Self.apply(XenstoreLayout.ipv4(c, domid: d.domid, devid: devid), in: &s)
            case .ipv6(let c):
                Self.apply(XenstoreLayout.ipv6(c, domid: d.domid, devid: devid), in: &s)
            case .pvsProxy(let proxy):
                let path = XenstoreLayout.privateVIFPath(vm: vm, devid: devid)
                let old = (s.world.xenstore ?? [:]).keys.filter { $0.hasPrefix("\(path)/pvs-") }
                Self.apply(old.map { .remove($0) } + XenstoreLayout.pvsProxyKeys(proxy).map { .write("\(path)/\($0.0)", $0.1) }, in: &s)
            case .trunks(let trunks):
                Self.apply([XenstoreLayout.trunks(trunks, vm: vm, devid: devid)], in: &s)
            }
            s.console.append("simulator: domain \(d.domid): \(setting.methodName) on VIF \(name)")
            fx.events.append(.deviceChanged(vm: vm, device: .vif(DeviceID(vm: vm, name: name))))
        }
    }

    /// Records the I/O priority of a plugged disk's backend.
    public func setVBDQoS(vm: String, _ vbd: VBD) async throws {
        let name = vbd.id.name
        try await begin(.setVBDQoS, vm: vm, detail: name)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .setVBDQoS)
            guard d.vbds[name] != nil else { throw BackendError.noDevice(vm: vm, device: name) }
            s.world.domains[vm]?.vbds[name]?.qos = vbd.qos.map { $0.xenops.jsonString }
            s.console.append("simulator: domain \(d.domid): QoS of VBD \(name) \(vbd.qos.map { $0.xenops.jsonString } ?? "cleared")")
            fx.events.append(.deviceChanged(vm: vm, device: .vbd(DeviceID(vm: vm, name: name))))
        }
    }

    /// The applied QoS of a VBD (`Vbd.qos` as JSON), for tests.
    public func vbdQoS(vm: String, vbd: String) -> String? {
        state.withLock { $0.world.domains[vm]?.vbds[vbd]?.qos }
    }

    /// Passes a USB device through. As in xenopsd, only HVM guests (with qemu) get it; for
    /// others this is logged and nothing is plugged.
    public func plugVUSB(vm: String, _ vusb: VUSB) async throws {
        let name = vusb.id.name
        try await begin(.plugVUSB, vm: vm, detail: name)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .plugVUSB)
            guard d.domainType == DomainType.hvm.rawValue else {
                s.console.append("simulator: domain \(d.domid): USB passthrough is only supported for HVM guests; \(name) not plugged")
                return
            }
            let device = "\(vusb.hostbus)-\(vusb.hostport)"
            if let owner = s.world.domains.values.first(where: { $0.vusbs?.values.contains(device) == true }) {
                throw BackendError.failed(operation: "plugVUSB", code: Code.invalid,
                                          detail: "USB device \(device) is already passed through to domain \(owner.domid)",
                                          remedy: "Unplug it from that VM first.")
            }
            s.world.domains[vm]?.vusbs = (d.vusbs ?? [:]).merging([name: device]) { _, new in new }
            s.console.append("simulator: domain \(d.domid): plugged USB \(name) (\(device))")
            fx.events.append(.deviceChanged(vm: vm, device: .vusb(DeviceID(vm: vm, name: name))))
        }
    }

    public func unplugVUSB(vm: String, name: String) async throws {
        try await begin(.unplugVUSB, vm: vm, detail: name)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .unplugVUSB)
            guard d.vusbs?[name] != nil else { throw BackendError.noDevice(vm: vm, device: name) }
            s.world.domains[vm]?.vusbs?[name] = nil
            s.console.append("simulator: domain \(d.domid): unplugged USB \(name)")
            fx.events.append(.deviceChanged(vm: vm, device: .vusb(DeviceID(vm: vm, name: name))))
        }
    }

    /// Gives a quarantined PCI function back to dom0. A function that is not quarantined
    /// needs nothing (xenopsd treats `ENODEV` as success); one a guest holds is refused.
    public func dequarantinePCI(_ address: PCIAddress) async throws {
        let text = address.description
        try await begin(.dequarantinePCI, vm: nil, detail: text)
        try await commit { s, _ in
            if let owner = s.world.domains.values.first(where: { $0.pcis.values.contains(text) }) {
                throw BackendError.failed(operation: "dequarantinePCI", code: Code.invalid,
                                          detail: "PCI \(text) is assigned to domain \(owner.domid), not quarantined",
                                          remedy: "Unplug it from VM \(owner.uuid) (or shut the VM down) first.")
            }
            guard s.world.quarantinedPCI?.remove(text) != nil else { return }
            s.console.append("simulator: PCI \(text) dequarantined (back to dom0)")
        }
    }

    /// The PCI functions in quarantine, for tests.
    public func quarantinedPCI() -> Set<String> {
        state.withLock { $0.world.quarantinedPCI ?? [] }
    }
}

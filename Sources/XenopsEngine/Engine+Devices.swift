import XenopsBackend
import XenopsCore

/// The device families the engine stores, and how each maps onto a VM record.
enum DeviceFamily: String, Sendable {
    case vbd, vif, pci, vgpu, vusb

    func dynamicID(_ id: DeviceID) -> DynamicID {
        switch self {
        case .vbd: return .vbd(id)
        case .vif: return .vif(id)
        case .pci: return .pci(id)
        case .vgpu: return .vgpu(id)
        case .vusb: return .vusb(id)
        }
    }
}

extension XenopsEngine {
    // MARK: VBD

    /// `VBD.add`: stores a VBD of a known VM. `Already_exists` if the name is taken.
    public func addVBD(_ vbd: VBD) async throws(XenopsError) -> DeviceID {
        try await addDevice(vbd.id, .vbd) { $0.vbds[vbd.id.name] != nil } insert: { $0.vbds[vbd.id.name] = vbd }
    }

    /// `VBD.remove`: forgets a VBD. `Device_is_connected` while it is plugged.
    public func removeVBD(_ id: DeviceID) async throws(XenopsError) {
        try await removeDevice(id, .vbd) { $0.vbds[id.name] != nil } delete: { $0.vbds[id.name] = nil }
    }

    /// `VBD.stat`.
    public func statVBD(_ id: DeviceID) async throws(XenopsError) -> (VBD, VBDState) {
        let record = try record(id.vm)
        guard let vbd = record.vbds[id.name] else { throw .doesNotExist(namespace: "VM", path: "\(id.vm)/vbd.\(id.name)") }
        let info = try await backendCall { try await backend.domainInfo(vm: id.vm) }
        return (vbd, Self.vbdState(vbd, domain: info))
    }

    /// `VBD.list`: the VBDs of a VM with their states.
    public func listVBDs(vm: String) async throws(XenopsError) -> [(VBD, VBDState)] {
        let record = try record(vm)
        let info = try await backendCall { try await backend.domainInfo(vm: vm) }
        return record.vbds.values.sorted { $0.id.name < $1.id.name }.map { ($0, Self.vbdState($0, domain: info)) }
    }

    static func vbdState(_ vbd: VBD, domain: DomainInfo?) -> VBDState {
        guard let domain, isLive(domain), let media = domain.devices.vbds[vbd.id.name] else { return VBDState() }
        return VBDState(active: true, plugged: true, qosTarget: vbd.qos, backendPresent: media)
    }

    // MARK: VIF

    /// `VIF.add`.
    public func addVIF(_ vif: VIF) async throws(XenopsError) -> DeviceID {
        try await addDevice(vif.id, .vif) { $0.vifs[vif.id.name] != nil } insert: { $0.vifs[vif.id.name] = vif }
    }

    /// `VIF.remove`.
    public func removeVIF(_ id: DeviceID) async throws(XenopsError) {
        try await removeDevice(id, .vif) { $0.vifs[id.name] != nil } delete: { $0.vifs[id.name] = nil }
    }

    /// `VIF.stat`.
    public func statVIF(_ id: DeviceID) async throws(XenopsError) -> (VIF, VIFState) {
        let record = try record(id.vm)
        guard let vif = record.vifs[id.name] else { throw .doesNotExist(namespace: "VM", path: "\(id.vm)/vif.\(id.name)") }
        let info = try await backendCall { try await backend.domainInfo(vm: id.vm) }
        return (vif, Self.vifState(vif, domain: info))
    }

    /// `VIF.list`.
    public func listVIFs(vm: String) async throws(XenopsError) -> [(VIF, VIFState)] {
        let record = try record(vm)
        let info = try await backendCall { try await backend.domainInfo(vm: vm) }
        return record.vifs.values.sorted { $0.id.name < $1.id.name }.map { ($0, Self.vifState($0, domain: info)) }
    }

    static func vifState(_ vif: VIF, domain: DomainInfo?) -> VIFState {
        guard let domain, isLive(domain), let carrier = domain.devices.vifs[vif.id.name] else { return VIFState() }
        return VIFState(active: true, plugged: true, mediaPresent: carrier, device: "vif\(domain.domid).\(vif.id.name)")
    }

    // MARK: PCI

    /// `PCI.add`.
    public func addPCI(_ pci: PCI) async throws(XenopsError) -> DeviceID {
        try await addDevice(pci.id, .pci) { $0.pcis[pci.id.name] != nil } insert: { $0.pcis[pci.id.name] = pci }
    }

    /// `PCI.remove`.
    public func removePCI(_ id: DeviceID) async throws(XenopsError) {
        try await removeDevice(id, .pci) { $0.pcis[id.name] != nil } delete: { $0.pcis[id.name] = nil }
    }

    /// `PCI.stat`.
    public func statPCI(_ id: DeviceID) async throws(XenopsError) -> (PCI, PluggedState) {
        let record = try record(id.vm)
        guard let pci = record.pcis[id.name] else { throw .doesNotExist(namespace: "VM", path: "\(id.vm)/pci.\(id.name)") }
        let info = try await backendCall { try await backend.domainInfo(vm: id.vm) }
        return (pci, PluggedState(plugged: Self.isPlugged(.pci, id.name, info)))
    }

    /// `PCI.list`.
    public func listPCIs(vm: String) async throws(XenopsError) -> [(PCI, PluggedState)] {
        let record = try record(vm)
        let info = try await backendCall { try await backend.domainInfo(vm: vm) }
        return record.pcis.values.sorted { $0.id.name < $1.id.name }.map { ($0, PluggedState(plugged: Self.isPlugged(.pci, $0.id.name, info))) }
    }

    // MARK: Shared

    static func isLive(_ domain: DomainInfo) -> Bool {
        switch domain.state {
        case .running, .paused: return true
        case .shutdown, .dying: return false
        }
    }

    static func isPlugged(_ family: DeviceFamily, _ name: String, _ domain: DomainInfo?) -> Bool {
        guard let domain, isLive(domain) else { return false }
        switch family {
        case .vbd: return domain.devices.vbds[name] != nil
        case .vif: return domain.devices.vifs[name] != nil
        case .pci: return domain.devices.pcis.contains(name)
        case .vusb: return domain.devices.vusbs.contains(name)
        // Neither backend starts vGPUs (no vGPU manager or mediated devices): never plugged.
        case .vgpu: return false
        }
    }

    func addDevice(
        _ id: DeviceID, _ family: DeviceFamily,
        exists: @escaping @Sendable (VMRecord) -> Bool, insert: @escaping @Sendable (inout VMRecord) -> Void
    ) async throws(XenopsError) -> DeviceID {
        guard !id.name.isEmpty else {
            throw .internalError("the \(family.rawValue.uppercased()) has an empty device name; set id to [\"<vm uuid>\", \"<name>\"]")
        }
        _ = try record(id.vm)
        do {
            try await queues.run(vm: id.vm) { [self] in
                let current = try record(id.vm)
                if exists(current) { throw XenopsError.alreadyExists(namespace: "VM", path: "\(id.vm)/\(family.rawValue).\(id.name)") }
                var updated = current
                insert(&updated)
                try await persister.put(updated)
                live.withLock { $0.records[id.vm] = updated }
            }
        } catch {
            throw xenopsError(error)
        }
        updates.signal(family.dynamicID(id))
        return id
    }

    func removeDevice(
        _ id: DeviceID, _ family: DeviceFamily,
        exists: @escaping @Sendable (VMRecord) -> Bool, delete: @escaping @Sendable (inout VMRecord) -> Void
    ) async throws(XenopsError) {
        _ = try record(id.vm)
        do {
            try await queues.run(vm: id.vm) { [self] in
                let current = try record(id.vm)
                guard exists(current) else {
                    throw XenopsError.doesNotExist(namespace: "VM", path: "\(id.vm)/\(family.rawValue).\(id.name)")
                }
                let info = try await backendCall { try await backend.domainInfo(vm: id.vm) }
                if Self.isPlugged(family, id.name, info) { throw XenopsError.deviceIsConnected }
                var updated = current
                delete(&updated)
                try await persister.put(updated)
                live.withLock { $0.records[id.vm] = updated }
            }
        } catch {
            throw xenopsError(error)
        }
        updates.remove(family.dynamicID(id))
    }
}

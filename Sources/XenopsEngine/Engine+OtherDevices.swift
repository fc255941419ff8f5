import XenopsBackend
import XenopsCore

extension XenopsEngine {
    // MARK: VGPU

    /// `VGPU.add`: stores a vGPU of a known VM (started by `VM.start` in xenopsd; neither
    /// backend here drives vGPUs, so it is kept and reported, never plugged).
    public func addVGPU(_ vgpu: VGPU) async throws(XenopsError) -> DeviceID {
        try await addDevice(vgpu.id, .vgpu) { $0.vgpus[vgpu.id.name] != nil } insert: { $0.vgpus[vgpu.id.name] = vgpu }
    }

    /// `VGPU.remove`.
    public func removeVGPU(_ id: DeviceID) async throws(XenopsError) {
        try await removeDevice(id, .vgpu) { $0.vgpus[id.name] != nil } delete: { $0.vgpus[id.name] = nil }
    }

    /// `VGPU.stat`: the stored vGPU and its state (never active: no backend starts vGPUs).
    public func statVGPU(_ id: DeviceID) async throws(XenopsError) -> (VGPU, VGPUState) {
        let record = try record(id.vm)
        guard let vgpu = record.vgpus[id.name] else { throw .doesNotExist(namespace: "VM", path: "\(id.vm)/vgpu.\(id.name)") }
        return (vgpu, VGPUState())
    }

    /// `VGPU.list`.
    public func listVGPUs(vm: String) async throws(XenopsError) -> [(VGPU, VGPUState)] {
        try record(vm).vgpus.values.sorted { $0.id.name < $1.id.name }.map { ($0, VGPUState()) }
    }

    // MARK: VUSB

    /// `VUSB.add`.
    public func addVUSB(_ vusb: VUSB) async throws(XenopsError) -> DeviceID {
        try await addDevice(vusb.id, .vusb) { $0.vusbs[vusb.id.name] != nil } insert: { $0.vusbs[vusb.id.name] = vusb }
    }

    /// `VUSB.remove`: `Device_is_connected` while it is plugged.
    public func removeVUSB(_ id: DeviceID) async throws(XenopsError) {
        try await removeDevice(id, .vusb) { $0.vusbs[id.name] != nil } delete: { $0.vusbs[id.name] = nil }
    }

    /// `VUSB.stat`.
    public func statVUSB(_ id: DeviceID) async throws(XenopsError) -> (VUSB, PluggedState) {
        let record = try record(id.vm)
        guard let vusb = record.vusbs[id.name] else { throw .doesNotExist(namespace: "VM", path: "\(id.vm)/vusb.\(id.name)") }
        let info = try await backendCall { try await backend.domainInfo(vm: id.vm) }
        return (vusb, PluggedState(plugged: Self.isPlugged(.vusb, id.name, info)))
    }

    /// `VUSB.list`.
    public func listVUSBs(vm: String) async throws(XenopsError) -> [(VUSB, PluggedState)] {
        let record = try record(vm)
        let info = try await backendCall { try await backend.domainInfo(vm: vm) }
        return record.vusbs.values.sorted { $0.id.name < $1.id.name }.map { ($0, PluggedState(plugged: Self.isPlugged(.vusb, $0.id.name, info))) }
    }

    // MARK: Host-wide device and guest-agent calls

    /// `PCI.dequarantine`: sync, not queued (it is about a host device, not a VM), as in xenopsd.
    public func dequarantinePCI(_ address: PCIAddress) async throws(XenopsError) {
        try await backendCall { try await backend.dequarantinePCI(address) }
    }

    /// `HOST.update_guest_agent_features`: publishes the licensed features to every guest.
    public func updateGuestAgentFeatures(_ features: [GuestAgentFeature]) async throws(XenopsError) {
        // Names become xenstore path elements.
        for feature in features {
            for name in [feature.name] + feature.parameters.keys.sorted() where name.isEmpty || name.contains("/") {
                throw .internalError("HOST.update_guest_agent_features: \"\(name)\" (feature \"\(feature.name)\") is not a valid name; names must be non-empty and contain no '/'")
            }
        }
        try await backendCall { try await backend.updateGuestAgentFeatures(features) }
    }
}

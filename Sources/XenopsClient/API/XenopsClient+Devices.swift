import XenopsCore

extension XenopsClient {
    // MARK: VBD

    /// `VBD.add`: stores a VBD; returns its id.
    public func vbdAdd(_ vbd: VBD) async throws(XenopsClientError) -> DeviceID {
        try await invoke("VBD.add", params(("vbd", vbd.xenops)))
    }

    /// `VBD.remove`: forgets an unplugged VBD.
    public func vbdRemove(_ id: DeviceID) async throws(XenopsClientError) {
        try await invokeUnit("VBD.remove", params(("id", id.xenops)))
    }

    /// `VBD.stat`: a VBD's configuration and state.
    public func vbdStat(_ id: DeviceID) async throws(XenopsClientError) -> (vbd: VBD, state: VBDState) {
        let (vbd, state) = try await invokePair("VBD.stat", params(("id", id.xenops)), VBD.self, VBDState.self)
        return (vbd, state)
    }

    /// `VBD.list`: the VBDs of a VM.
    public func vbdList(vm: String) async throws(XenopsClientError) -> [(vbd: VBD, state: VBDState)] {
        try await invokePairs("VBD.list", params(("id", .string(vm))), VBD.self, VBDState.self).map { (vbd: $0.0, state: $0.1) }
    }

    /// `VBD.plug`: hot-plugs a VBD; returns the task id.
    public func vbdPlug(_ id: DeviceID) async throws(XenopsClientError) -> String {
        try await invokeTask("VBD.plug", params(("id", id.xenops)))
    }

    /// `VBD.unplug`: hot-unplugs a VBD; returns the task id.
    public func vbdUnplug(_ id: DeviceID, force: Bool = false) async throws(XenopsClientError) -> String {
        try await invokeTask("VBD.unplug", params(("id", id.xenops), ("force", .bool(force))))
    }

    /// `VBD.insert`: puts media in a CD drive; returns the task id.
    public func vbdInsert(_ id: DeviceID, disk: Disk) async throws(XenopsClientError) -> String {
        try await invokeTask("VBD.insert", params(("id", id.xenops), ("disk", disk.xenops)))
    }

    /// `VBD.eject`: empties a CD drive; returns the task id.
    public func vbdEject(_ id: DeviceID) async throws(XenopsClientError) -> String {
        try await invokeTask("VBD.eject", params(("id", id.xenops)))
    }

    // MARK: VIF

    /// `VIF.add`: stores a VIF; returns its id.
    public func vifAdd(_ vif: VIF) async throws(XenopsClientError) -> DeviceID {
        try await invoke("VIF.add", params(("vif", vif.xenops)))
    }

    /// `VIF.remove`: forgets an unplugged VIF.
    public func vifRemove(_ id: DeviceID) async throws(XenopsClientError) {
        try await invokeUnit("VIF.remove", params(("id", id.xenops)))
    }

    /// `VIF.stat`: a VIF's configuration and state.
    public func vifStat(_ id: DeviceID) async throws(XenopsClientError) -> (vif: VIF, state: VIFState) {
        let (vif, state) = try await invokePair("VIF.stat", params(("id", id.xenops)), VIF.self, VIFState.self)
        return (vif, state)
    }

    /// `VIF.list`: the VIFs of a VM.
    public func vifList(vm: String) async throws(XenopsClientError) -> [(vif: VIF, state: VIFState)] {
        try await invokePairs("VIF.list", params(("id", .string(vm))), VIF.self, VIFState.self).map { (vif: $0.0, state: $0.1) }
    }

    /// `VIF.plug`: hot-plugs a VIF; returns the task id.
    public func vifPlug(_ id: DeviceID) async throws(XenopsClientError) -> String {
        try await invokeTask("VIF.plug", params(("id", id.xenops)))
    }

    /// `VIF.unplug`: hot-unplugs a VIF; returns the task id.
    public func vifUnplug(_ id: DeviceID, force: Bool = false) async throws(XenopsClientError) -> String {
        try await invokeTask("VIF.unplug", params(("id", id.xenops), ("force", .bool(force))))
    }

    /// `VIF.set_carrier`: sets the link state; returns the task id.
    public func vifSetCarrier(_ id: DeviceID, carrier: Bool) async throws(XenopsClientError) -> String {
        try await invokeTask("VIF.set_carrier", params(("id", id.xenops), ("carrier", .bool(carrier))))
    }
}

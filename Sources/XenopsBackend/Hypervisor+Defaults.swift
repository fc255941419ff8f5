import XenopsCore

/// The capabilities added for issue 9 default to an honest ``BackendError/unsupported``, so a
/// backend that does not provide one still conforms (style.md §5 item 2).
extension Hypervisor {
    public func requestRDP(vm: String, enabled: Bool) async throws { throw unsupported("requestRDP") }
    public func runScript(vm: String, script: String) async throws -> GuestScriptResult { throw unsupported("runScript") }
    public func setShadowMultiplier(vm: String, multiplier: Double) async throws { throw unsupported("setShadowMultiplier") }
    public func s3Suspend(vm: String) async throws { throw unsupported("s3Suspend") }
    public func s3Resume(vm: String) async throws { throw unsupported("s3Resume") }
    public func applyVIFSetting(vm: String, _ vif: VIF, _ setting: VIFSetting) async throws { throw unsupported(setting.methodName) }
    public func setVBDQoS(vm: String, _ vbd: VBD) async throws { throw unsupported("setVBDQoS") }
    public func plugVUSB(vm: String, _ vusb: VUSB) async throws { throw unsupported("plugVUSB") }
    public func unplugVUSB(vm: String, name: String) async throws { throw unsupported("unplugVUSB") }
    public func dequarantinePCI(_ address: PCIAddress) async throws { throw unsupported("dequarantinePCI") }
    public func updateGuestAgentFeatures(_ features: [GuestAgentFeature]) async throws { throw unsupported("updateGuestAgentFeatures") }
}

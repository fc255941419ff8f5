import XenopsBackend
import XenopsCore

extension XenopsEngine {
    /// Executes the plan steps of issue 9: guest-agent requests, ACPI S3, shadow memory and
    /// the device settings (`VIF.set_*`, `VIF.move`, `VBD.set_qos`, `VUSB.plug/unplug`).
    /// Each signals UPDATES for what it changed, as xenopsd's atomics do.
    func executeGuestOrDeviceSetting(_ step: PlanStep, vm: String) async throws -> JSONValue? {
        switch step {
        case .requestRDP(let enabled):
            try await backendCall { try await backend.requestRDP(vm: vm, enabled: enabled) }
        case .runScript(let script):
            let result = try await backendCall { try await backend.runScript(vm: vm, script: script) }
            updates.signal(.vm(vm))
            return result.json
        case .setShadowMultiplier(let multiplier):
            try await backendCall { try await backend.setShadowMultiplier(vm: vm, multiplier: multiplier) }
            live.withLock { $0.shadowMultipliers[vm] = multiplier }
            updates.signal(.vm(vm))
        case .s3Suspend:
            try await backendCall { try await backend.s3Suspend(vm: vm) }
            updates.signal(.vm(vm))
        case .s3Resume:
            try await backendCall { try await backend.s3Resume(vm: vm) }
            updates.signal(.vm(vm))
        case .storeVIF(let name, let setting):
            // Written through before the call returns, like every record change.
            if let record = updateRecord(vm, { r in r.vifs[name] = r.vifs[name].map(setting.applied(to:)) }) {
                try await persister.put(record)
            }
            updates.signal(.vif(DeviceID(vm: vm, name: name)))
        case .applyVIF(let name, let setting):
            let vif = try device(vm, name, \.vifs, "vif")
            do { try await backendCall { try await backend.applyVIFSetting(vm: vm, vif, setting) } } catch {
                updates.signal(.vif(DeviceID(vm: vm, name: name)))
                throw error
            }
            updates.signal(.vif(DeviceID(vm: vm, name: name)))
        case .setVBDQoS(let name):
            let vbd = try device(vm, name, \.vbds, "vbd")
            try await backendCall { try await backend.setVBDQoS(vm: vm, vbd) }
            updates.signal(.vbd(DeviceID(vm: vm, name: name)))
        case .plugVUSB(let name):
            let vusb = try device(vm, name, \.vusbs, "vusb")
            try await backendCall { try await backend.plugVUSB(vm: vm, vusb) }
            updates.signal(.vusb(DeviceID(vm: vm, name: name)))
        case .unplugVUSB(let name):
            do { try await backendCall { try await backend.unplugVUSB(vm: vm, name: name) } } catch {
                updates.signal(.vusb(DeviceID(vm: vm, name: name)))
                throw error
            }
            updates.signal(.vusb(DeviceID(vm: vm, name: name)))
        default:
            throw XenopsError.internalError("plan step \(step) is not a guest or device-setting step")
        }
        return nil
    }

    /// Applies the settings of `vifs` that differ from the defaults (locking mode, static
    /// addresses, PVS proxy, trunks), after the VIFs were plugged: xenopsd passes them when it
    /// creates each device, so a VM started (or a VIF hot-plugged) with a locking mode gets its
    /// rules before it runs. A setting that cannot be applied fails the step that plugged the
    /// VIFs: a VM must not run with its network rules silently missing.
    func applyVIFSettingsAtPlug(vm: String, _ vifs: [VIF]) async throws {
        for vif in vifs {
            for setting in VIFSetting.appliedAtPlug(vif) {
                try await backendCall { try await backend.applyVIFSetting(vm: vm, vif, setting) }
            }
        }
    }
}

import CXenLight
import Glibc
import XenGlue
import XenopsBackend
import XenopsCore

/// Issue 9 with libxl: guest-agent requests over xenstore (xenopsd's keys, see
/// ``XenopsBackend/XenstoreLayout``), ACPI S3, shadow memory (libxenctrl) and the licensed
/// guest-agent features.
extension LibxlHypervisor: XenstoreAccess {
    public func xenstoreRead(_ path: String) async throws -> String? {
        try await call("xenstoreRead") { [xenstore] in xenstore.read(path) }
    }

    public func xenstoreWrite(_ path: String, _ value: String) async throws {
        try await call("xenstoreWrite") { [xenstore] in try xenstore.write(path, value) }
    }

    public func xenstoreRemove(_ path: String) async throws {
        try await call("xenstoreRemove") { [xenstore] in xenstore.remove(path) }
    }

    /// Applies `edits` in one xenstore transaction on a worker thread.
    func applyXenstore(_ edits: [XenstoreEdit], operation: String, vm: String?, readableByAll: Bool = false) async throws {
        try await call(operation, vm: vm) { [xenstore] in try xenstore.apply(edits, readableByAll: readableByAll) }
    }

    /// `control/ts` = `1`/`0`, as xenopsd writes it for the guest agent.
    public func requestRDP(vm: String, enabled: Bool) async throws {
        let (d, _) = try await requireManaged(vm, for: "requestRDP")
        try await applyXenstore([.write(XenstoreLayout.rdpPath(domid: Int(d.domid)), enabled ? "1" : "0")], operation: "requestRDP", vm: vm)
    }

    /// xenopsd's `control/batcmd` exchange with the guest agent, polled every
    /// ``LibxlConfiguration/pollInterval``.
    public func runScript(vm: String, script: String) async throws -> GuestScriptResult {
        let (d, _) = try await requireManaged(vm, for: "runScript")
        return try await GuestScriptExchange.run(script, domid: Int(d.domid), store: self, pollInterval: configuration.pollInterval, operation: "runScript")
    }

    /// Writes `s3` to `control/shutdown` (replacing an older request), as xenopsd does; it
    /// does not wait for the guest.
    public func s3Suspend(vm: String) async throws {
        let (d, _) = try await requireManaged(vm, for: "s3Suspend")
        let path = XenstoreLayout.shutdownPath(domid: Int(d.domid))
        try await applyXenstore([.remove(path), .write(path, "s3")], operation: "s3Suspend", vm: vm)
    }

    /// `libxl_send_trigger(S3RESUME)`: Xen's `HVM_PARAM_ACPI_S_STATE` = 0 (HVM guests).
    public func s3Resume(vm: String) async throws {
        let (d, _) = try await requireManaged(vm, for: "s3Resume")
        let ctx = self.ctx
        try await call("s3Resume", vm: vm) {
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_send_trigger(ctx.raw, d.domid, LIBXL_TRIGGER_S3RESUME, 0, nil), "libxl_send_trigger", context: "S3 resume of domain \(d.domid)")
        }
        continuation.yield(.domainChanged(vm: vm))
    }

    /// Sets an HVM domain's shadow allocation to xenopsd's model times `multiplier`
    /// (`xc_shadow_control`: libxl sets it only at build time). PV domains have none.
    public func setShadowMultiplier(vm: String, multiplier: Double) async throws {
        let (d, record) = try await requireManaged(vm, for: "setShadowMultiplier")
        guard (record.type == .undefined ? d.type : record.type) == .hvm else {
            throw BackendError.xenops(.unimplemented("shadow_multiplier for PV domains"))
        }
        let target = ShadowMemory.mib(staticMaxBytes: Int64(d.maxKiB) * 1024, vcpus: Int(d.vcpuMaxID) + 1, multiplier: multiplier)
        let ctx = self.ctx, xenctrl = self.xenctrl
        try await call("setShadowMultiplier", vm: vm) {
            let current = try xenctrl.shadowAllocation(domid: d.domid)
            let neededBytes = (Int64(target) - Int64(current)) << 20
            if neededBytes > 0 {
                var freeKiB: UInt64 = 0
                LibxlError.clearThreadMessage()
                try LibxlError.check(libxl_get_free_memory(ctx.raw, &freeKiB), "libxl_get_free_memory")
                let free = Int64(freeKiB) * 1024
                guard neededBytes <= free else { throw BackendError.xenops(.notEnoughMemory(neededBytes)) }
            }
            do { _ = try xenctrl.shadowAllocation(domid: d.domid, setMiB: UInt32(target)) } catch let error as LibxlError {
                if error.errno == ENOMEM { throw BackendError.xenops(.notEnoughMemory(neededBytes)) }
                throw error
            }
        }
        continuation.yield(.domainChanged(vm: vm))
    }


    /// Replaces `/guest_agent_features` in one transaction, every node readable by guests.
    public func updateGuestAgentFeatures(_ features: [GuestAgentFeature]) async throws {
        try await applyXenstore(XenstoreLayout.guestAgentFeatures(features), operation: "updateGuestAgentFeatures", vm: nil, readableByAll: true)
    }

    // MARK: - Passthrough that needs hardware or services this backend lacks

    public func plugVUSB(vm: String, _ vusb: VUSB) async throws {
        throw unsupported("plugVUSB", "USB passthrough (xenopsd's qemu usb-host devices over QMP) is not provided by the libxl backend; "
            + "pass the device with `xl usbdev-attach` outside the toolstack, or use the simulator")
    }

    public func unplugVUSB(vm: String, name: String) async throws {
        throw unsupported("unplugVUSB", "the libxl backend never plugs USB devices (see plugVUSB)")
    }

    /// Mainline Linux blkback publishes no `kthread-pid` (a XenServer kernel patch), so
    /// there is no backend thread to `ionice`.
    public func setVBDQoS(vm: String, _ vbd: VBD) async throws {
        throw unsupported("setVBDQoS", "VBD QoS ionices the blkback kernel thread whose pid XenServer's kernel publishes as kthread-pid; "
            + "this dom0 kernel does not publish it. Use a dom0 kernel with that patch, or leave qos unset")
    }

    /// Returns a PCI function from pciback to its dom0 driver (`libxl_device_pci_assignable_remove`
    /// with rebind); one that is not assignable needs nothing, as xenopsd treats `ENODEV`.
    public func dequarantinePCI(_ address: PCIAddress) async throws {
        let ctx = self.ctx
        let builder = self.builder
        try await call("dequarantinePCI") {
            var count: Int32 = 0
            let list = libxl_device_pci_assignable_list(ctx.raw, &count)
            defer { if let list { libxl_device_pci_assignable_list_free(list, count) } }
            let assignable = (0..<Int(max(0, count))).contains { i in
                guard let p = list?[i] else { return false }
                return Int(p.domain) == address.domain && Int(p.bus) == address.bus && Int(p.dev) == address.dev && Int(p.func) == address.fn
            }
            guard assignable else { return }
            let dev = LibxlValue.pci()
            do { try builder.pci(PCI(id: DeviceID(vm: "", name: "dequarantine"), position: 0, address: address), vm: nil, into: &dev.pointer.pointee) } catch {
                throw LibxlError(function: "libxl_device_pci_assignable_remove", rc: LibxlErrorCode.invalid.rawValue, detail: "\(address): \(error)")
            }
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_device_pci_assignable_remove(ctx.raw, dev.pointer, 1), "libxl_device_pci_assignable_remove", context: "\(address)")
        }
    }
}

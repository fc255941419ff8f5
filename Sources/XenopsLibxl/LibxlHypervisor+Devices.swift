import CXenLight
import Glibc
import XenGlue
import XenopsBackend
import XenopsCore

extension LibxlHypervisor {
    /// The guest kind of a domain for device translation.
    static func guest(_ record: DomainRecord, _ d: DomainSnapshot) -> DomainConfigBuilder.Guest {
        switch record.type == .undefined ? d.type : record.type {
        case .hvm: return .hvm
        case .pv: return .pv
        default: return .pvh
        }
    }

    func translationFailure(_ error: any Error, operation: String) -> any Error {
        (error as? TranslationError)?.backendError(operation: operation) ?? error
    }

    // MARK: - Disks

    /// Attaches a disk (`libxl_device_disk_add`).
    public func plugVBD(vm: String, _ vbd: VBD) async throws {
        let (d, record) = try await requireManaged(vm, for: "plugVBD")
        let name = vbd.id.name
        guard record.vbds[name] == nil else { throw BackendError.xenops(.alreadyExists(namespace: "VBD", path: "\(vm).\(name)")) }
        let guest = Self.guest(record, d)
        let disk = LibxlValue.disk()
        do { try builder.disk(vbd, guest: guest, into: &disk.pointer.pointee) } catch { throw translationFailure(error, operation: "plugVBD") }
        let vdev = DomainConfigBuilder.vdev(of: vbd)
        if let other = record.vbdName(vdev: vdev) {
            throw BackendError.xenops(.alreadyExists(namespace: "VBD", path: "\(vm).\(vdev) (used by \(other))"))
        }
        let ctx = self.ctx
        try await deviceCall("plugVBD", vm: vm, name: name, namespace: "VBD") { [self] in
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_device_disk_add(ctx.raw, d.domid, disk.pointer, nil), "libxl_device_disk_add", context: "\(vdev) of domain \(d.domid)")
            try update(d) { r in
                r.vbds[name] = .init(vdev: vdev, cdrom: vbd.ty == .cdrom, unpluggable: vbd.unpluggable, media: vbd.backend.map(DomainRecord.mediaName))
            }
            if vbd.ty == .cdrom, guest == .hvm { try watchEject(domid: d.domid, vdev: vdev) }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .vbd(DeviceID(vm: vm, name: name))))
    }

    /// Detaches a disk: `libxl_device_disk_remove` (the guest lets go), or
    /// `libxl_device_disk_destroy` when `force`. A VBD that is not unpluggable is refused unless forced.
    public func unplugVBD(vm: String, name: String, force: Bool) async throws {
        let (d, record) = try await requireManaged(vm, for: "unplugVBD")
        guard let r = record.vbds[name] else { throw BackendError.noDevice(vm: vm, device: name) }
        guard r.unpluggable || force else {
            throw BackendError.xenops(.deviceDetachRejected(kind: "VBD", id: name, reason: "the device is not unpluggable"))
        }
        let ctx = self.ctx
        try await deviceCall("unplugVBD", vm: vm, name: name, namespace: "VBD") { [self] in
            let disk = LibxlValue.disk()
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_vdev_to_device_disk(ctx.raw, d.domid, r.vdev, disk.pointer), "libxl_vdev_to_device_disk", context: "\(r.vdev) of domain \(d.domid)")
            if force {
                try LibxlError.check(libxl_device_disk_destroy(ctx.raw, d.domid, disk.pointer, nil), "libxl_device_disk_destroy", context: "\(r.vdev) of domain \(d.domid)")
            } else {
                try LibxlError.check(libxl_device_disk_remove(ctx.raw, d.domid, disk.pointer, nil), "libxl_device_disk_remove", context: "\(r.vdev) of domain \(d.domid)")
            }
            unwatchEject(domid: d.domid, vdev: r.vdev)
            try update(d) { $0.vbds[name] = nil }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .vbd(DeviceID(vm: vm, name: name))))
    }

    /// Puts media in an empty CD drive (`libxl_cdrom_insert`; HVM guests only).
    public func insertMedia(vm: String, vbd: String, disk media: Disk) async throws {
        let (d, record) = try await requireManaged(vm, for: "insertMedia")
        let r = try removableDrive(record, vm: vm, vbd: vbd, guest: Self.guest(record, d), operation: "insertMedia")
        guard r.media == nil else { throw BackendError.xenops(.mediaPresent) }
        let path: String
        do { path = try builder.path(of: media, field: "VBD \(vbd): media") } catch { throw translationFailure(error, operation: "insertMedia") }
        try await changeMedia(d, vm: vm, vbd: vbd, vdev: r.vdev, path: path, operation: "insertMedia")
    }

    /// Empties a CD drive (`libxl_cdrom_insert` with empty media, as `xl cd-eject` does).
    public func ejectMedia(vm: String, vbd: String) async throws {
        let (d, record) = try await requireManaged(vm, for: "ejectMedia")
        let r = try removableDrive(record, vm: vm, vbd: vbd, guest: Self.guest(record, d), operation: "ejectMedia")
        guard r.media != nil else { throw BackendError.xenops(.mediaNotPresent) }
        try await changeMedia(d, vm: vm, vbd: vbd, vdev: r.vdev, path: nil, operation: "ejectMedia")
    }

    func removableDrive(_ record: DomainRecord, vm: String, vbd: String, guest: DomainConfigBuilder.Guest, operation: String) throws -> DomainRecord.VBDRecord {
        guard let r = record.vbds[vbd] else { throw BackendError.noDevice(vm: vm, device: vbd) }
        guard r.cdrom else { throw BackendError.xenops(.mediaNotEjectable) }
        guard guest == .hvm else {
            throw BackendError.unsupported(operation: operation, backend: kind, reason: "libxl changes CD media only for HVM guests (QEMU emulates the drive)")
        }
        return r
    }

    func changeMedia(_ d: DomainSnapshot, vm: String, vbd: String, vdev: String, path: String?, operation: String) async throws {
        let ctx = self.ctx
        try await deviceCall(operation, vm: vm, name: vbd, namespace: "VBD") { [self] in
            let disk = LibxlValue.disk()
            Self.fillMedia(&disk.pointer.pointee, vdev: vdev, path: path)
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_cdrom_insert(ctx.raw, d.domid, disk.pointer, nil), "libxl_cdrom_insert", context: "\(vdev) of domain \(d.domid)")
            try update(d) { $0.vbds[vbd]?.media = path }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .vbd(DeviceID(vm: vm, name: vbd))))
    }

    /// The disk `libxl_cdrom_insert` wants: the drive's vdev and the new media (empty for eject).
    static func fillMedia(_ disk: inout libxl_device_disk, vdev: String, path: String?) {
        disk.vdev = CMemory.string(vdev)
        disk.is_cdrom = 1
        disk.removable = 1
        disk.readwrite = 0
        disk.backend = LIBXL_DISK_BACKEND_QDISK
        if let path {
            disk.pdev_path = CMemory.string(path)
            disk.format = DomainConfigBuilder.backend(forPath: path).1
        } else {
            disk.pdev_path = CMemory.string("")
            disk.format = LIBXL_DISK_FORMAT_EMPTY
        }
    }

    // MARK: - NICs

    /// Attaches a NIC (`libxl_device_nic_add`).
    public func plugVIF(vm: String, _ vif: VIF) async throws {
        let (d, record) = try await requireManaged(vm, for: "plugVIF")
        let name = vif.id.name
        guard record.vifs[name] == nil else { throw BackendError.xenops(.alreadyExists(namespace: "VIF", path: "\(vm).\(name)")) }
        if let other = record.vifs.first(where: { $0.value.devid == vif.position }) {
            throw BackendError.xenops(.alreadyExists(namespace: "VIF", path: "\(vm).\(vif.position) (used by \(other.key))"))
        }
        let nic = LibxlValue.nic()
        do { try builder.nic(vif, guest: Self.guest(record, d), into: &nic.pointer.pointee) } catch { throw translationFailure(error, operation: "plugVIF") }
        let ctx = self.ctx
        try await deviceCall("plugVIF", vm: vm, name: name, namespace: "VIF") { [self] in
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_device_nic_add(ctx.raw, d.domid, nic.pointer, nil), "libxl_device_nic_add", context: "devid \(vif.position) of domain \(d.domid)")
            try update(d) { $0.vifs[name] = .init(devid: vif.position, mac: vif.mac, carrier: nil) }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .vif(DeviceID(vm: vm, name: name))))
    }

    /// Detaches a NIC: `libxl_device_nic_remove`, or `libxl_device_nic_destroy` when `force`.
    public func unplugVIF(vm: String, name: String, force: Bool) async throws {
        let (d, record) = try await requireManaged(vm, for: "unplugVIF")
        guard let r = record.vifs[name] else { throw BackendError.noDevice(vm: vm, device: name) }
        let ctx = self.ctx
        try await deviceCall("unplugVIF", vm: vm, name: name, namespace: "VIF") { [self] in
            let nic = LibxlValue.nic()
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_devid_to_device_nic(ctx.raw, d.domid, Int32(r.devid), nic.pointer), "libxl_devid_to_device_nic", context: "devid \(r.devid) of domain \(d.domid)")
            if force {
                try LibxlError.check(libxl_device_nic_destroy(ctx.raw, d.domid, nic.pointer, nil), "libxl_device_nic_destroy", context: "devid \(r.devid) of domain \(d.domid)")
            } else {
                try LibxlError.check(libxl_device_nic_remove(ctx.raw, d.domid, nic.pointer, nil), "libxl_device_nic_remove", context: "devid \(r.devid) of domain \(d.domid)")
            }
            try update(d) { $0.vifs[name] = nil }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .vif(DeviceID(vm: vm, name: name))))
    }

    /// libxl has no carrier control: the VIF's backend interfaces in dom0 (`vif<domid>.<devid>`
    /// and, for HVM, `vif<domid>.<devid>-emu`) are set administratively down or up, so the
    /// guest's link stops or resumes passing traffic.
    public func setCarrier(vm: String, vif: String, carrier: Bool) async throws {
        let (d, record) = try await requireManaged(vm, for: "setCarrier")
        guard let r = record.vifs[vif] else { throw BackendError.noDevice(vm: vm, device: vif) }
        try await call("setCarrier", vm: vm) { [self] in
            var changed = 0
            for name in ["vif\(d.domid).\(r.devid)", "vif\(d.domid).\(r.devid)-emu"] {
                let rc = xg_set_link_up(name, carrier ? 1 : 0)
                if rc == 0 {
                    changed += 1
                } else if rc != -ENODEV {
                    throw LibxlError(function: "ioctl(SIOCSIFFLAGS)", rc: LibxlErrorCode.fail.rawValue, errno: -rc,
                                     detail: "cannot set \(name) \(carrier ? "up" : "down")", remedy: "The daemon must run as root in dom0.")
                }
            }
            guard changed > 0 else {
                throw LibxlError(function: "ioctl(SIOCSIFFLAGS)", rc: LibxlErrorCode.notFound.rawValue, errno: ENODEV,
                                 detail: "domain \(d.domid) has no backend interface vif\(d.domid).\(r.devid) in dom0",
                                 remedy: "Check that the VIF's hotplug script ran (/var/log/xen/xen-hotplug.log).")
            }
            try update(d) { $0.vifs[vif]?.carrier = carrier }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .vif(DeviceID(vm: vm, name: vif))))
    }

    // MARK: - PCI

    /// Passes a host PCI function through (`libxl_device_pci_add`). The function must already
    /// be assignable (bound to pciback: `xl pci-assignable-add`).
    public func plugPCI(vm: String, _ pci: PCI) async throws {
        let (d, record) = try await requireManaged(vm, for: "plugPCI")
        let name = pci.id.name
        guard record.pcis[name] == nil else { throw BackendError.xenops(.alreadyExists(namespace: "PCI", path: "\(vm).\(name)")) }
        let dev = LibxlValue.pci()
        do { try builder.pci(pci, vm: nil, into: &dev.pointer.pointee) } catch { throw translationFailure(error, operation: "plugPCI") }
        let ctx = self.ctx
        try await deviceCall("plugPCI", vm: vm, name: name, namespace: "PCI") { [self] in
            LibxlError.clearThreadMessage()
            let rc = libxl_device_pci_add(ctx.raw, d.domid, dev.pointer, nil)
            if rc != 0 {
                var e = LibxlError.capture(rc: rc, function: "libxl_device_pci_add", context: "\(pci.address) to domain \(d.domid)")
                e.remedy = "Make \(pci.address) assignable first (xl pci-assignable-add \(pci.address)); check the IOMMU is on. " + e.remedy
                throw e
            }
            try update(d) { $0.pcis[name] = .init(pci.address) }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .pci(DeviceID(vm: vm, name: name))))
    }

    /// Removes a passed-through PCI function (`libxl_device_pci_remove`).
    public func unplugPCI(vm: String, name: String) async throws {
        let (d, record) = try await requireManaged(vm, for: "unplugPCI")
        guard let r = record.pcis[name] else { throw BackendError.noDevice(vm: vm, device: name) }
        let dev = LibxlValue.pci()
        do { try builder.pci(PCI(id: DeviceID(vm: vm, name: name), position: 0, address: r.address), vm: nil, into: &dev.pointer.pointee) } catch {
            throw translationFailure(error, operation: "unplugPCI")
        }
        let ctx = self.ctx
        try await deviceCall("unplugPCI", vm: vm, name: name, namespace: "PCI") { [self] in
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_device_pci_remove(ctx.raw, d.domid, dev.pointer, nil), "libxl_device_pci_remove", context: "\(r.address) of domain \(d.domid)")
            try update(d) { $0.pcis[name] = nil }
        }
        continuation.yield(.deviceChanged(vm: vm, device: .pci(DeviceID(vm: vm, name: name))))
    }

    /// A device call whose `ERROR_DEVICE_EXISTS`/`ERROR_NOTFOUND` have xenops meanings.
    func deviceCall(_ operation: String, vm: String, name: String, namespace: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        do { try await pool.run(operation, body) } catch let e as LibxlError {
            switch e.code {
            case .deviceExists: throw BackendError.xenops(.alreadyExists(namespace: namespace, path: "\(vm).\(name)"))
            case .notFound: throw BackendError.noDevice(vm: vm, device: name)
            default: throw e.backendError(operation: operation, vm: vm)
            }
        }
    }

    // MARK: - vCPUs, memory, xenstore data

    /// Sets the online vCPUs to the first `count` (`libxl_set_vcpuonline`).
    public func setVcpus(vm: String, count: Int) async throws {
        let (d, _) = try await requireManaged(vm, for: "setVcpus")
        let max = Int(d.vcpuMaxID) + 1
        guard (1...max).contains(count) else { throw BackendError.xenops(.invalidVcpus(count)) }
        let ctx = self.ctx
        try await call("setVcpus", vm: vm) {
            let map = LibxlValue.bitmap()
            CMemory.fillBitmap(&map.pointer.pointee, bits: max, set: 0..<count)
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_set_vcpuonline(ctx.raw, d.domid, map.pointer, nil), "libxl_set_vcpuonline", context: "\(count) vCPUs of domain \(d.domid)")
        }
        // A running guest brings the vCPUs on or offline itself; wait a little for it, so
        // domainInfo reports the new count (Xen's vcpu_online).
        if !d.paused, !d.shutdown {
            let deadline = ContinuousClock.now.advanced(by: configuration.vcpuSettleTimeout)
            while ContinuousClock.now < deadline {
                let online = try await call("setVcpus", vm: vm) { try Self.listDomains(ctx).first { $0.domid == d.domid }?.vcpuOnline }
                if online.map({ Int($0) == count }) ?? true { break }
                do { try await Task.sleep(for: configuration.pollInterval) } catch { throw BackendError.cancelled(operation: "setVcpus") }
            }
        }
        continuation.yield(.domainChanged(vm: vm))
    }

    /// Sets the balloon target (`libxl_set_memory_target`, absolute, enforced).
    public func setMemoryTarget(vm: String, bytes: Int64) async throws {
        let (d, _) = try await requireManaged(vm, for: "setMemoryTarget")
        guard bytes > 0 else {
            throw BackendError.failed(operation: "setMemoryTarget", code: Int(LibxlErrorCode.invalid.rawValue), detail: "target \(bytes) bytes is not a memory size", remedy: "Use a target between dynamic_min and the static maximum.")
        }
        let ctx = self.ctx
        try await call("setMemoryTarget", vm: vm) {
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_set_memory_target(ctx.raw, d.domid, (bytes + 1023) / 1024, 0, 1), "libxl_set_memory_target", context: "\(bytes >> 20) MiB for domain \(d.domid)")
        }
        continuation.yield(.domainChanged(vm: vm))
    }

    /// Writes `vm-data/…` and `FIST/…` keys under `/local/domain/<domid>/` (others are
    /// skipped, as xenopsd does).
    public func setXSData(vm: String, _ data: [String: String]) async throws {
        let (d, _) = try await requireManaged(vm, for: "setXSData")
        let allowed = data.filter { DomainConfigBuilder.allowedXSData($0.key) }
        for key in data.keys where allowed[key] == nil { logger.debug("setXSData: key \(key) skipped (only vm-data/ and FIST/ are written)") }
        try await call("setXSData", vm: vm) { [xenstore] in
            for (key, value) in allowed.sorted(by: { $0.key < $1.key }) {
                try xenstore.write("/local/domain/\(d.domid)/\(key)", value)
            }
        }
        continuation.yield(.domainChanged(vm: vm))
    }

    /// No libxl debug commands are offered.
    public func debugTrigger(_ command: String, args: [String]) async throws {
        throw BackendError.xenops(.unimplemented("DEBUG.trigger \(command) (libxl backend)"))
    }
}

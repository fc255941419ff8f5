import CXenLight
import XenopsCore

extension DomainConfigBuilder {
    // MARK: - Disks

    func disks(_ vbds: [VBD], guest: Guest, into d: UnsafeMutablePointer<libxl_domain_config>) throws(TranslationError) {
        guard !vbds.isEmpty else { return }
        var seen: [String: String] = [:]
        d.pointee.disks = CMemory.array(of: libxl_device_disk.self, count: vbds.count)
        for (i, vbd) in vbds.enumerated() {
            libxl_device_disk_init(&d.pointee.disks[i])
            d.pointee.num_disks = Int32(i + 1)  // dispose frees exactly what was initialised
            try disk(vbd, guest: guest, into: &d.pointee.disks[i])
            let vdev = Self.vdev(of: vbd)
            if let other = seen[vdev] {
                throw .invalid("VBD \(vbd.id.name): position", "device \(vdev) is also used by VBD \(other)", remedy: "Give each VBD its own position.")
            }
            seen[vdev] = vbd.id.name
        }
    }

    /// The guest device name of a VBD: from its position (`Device_number.to_linux_device`),
    /// or its xenops name when it has no position.
    static func vdev(of vbd: VBD) -> String {
        vbd.position?.linuxDeviceName ?? vbd.id.name
    }

    /// Fills an initialised `libxl_device_disk` for `vbd` (also used for hot-plug).
    func disk(_ vbd: VBD, guest: Guest, into disk: inout libxl_device_disk) throws(TranslationError) {
        let field = "VBD \(vbd.id.name)"
        let vdev = Self.vdev(of: vbd)
        guard !vdev.isEmpty else {
            throw .invalid("\(field): position", "the VBD has neither a position nor a name", remedy: "Give the VBD a position such as [\"Xen\", 1, 0].")
        }
        if vbd.ty == .floppy {
            throw .unsupported("\(field): ty", "libxl has no floppy drives", remedy: "Attach the image as a Disk or CDROM instead.")
        }
        if let qos = vbd.qos {
            throw .unsupported("\(field): qos", "libxl cannot apply ionice QoS (\(qos.xenops))", remedy: "Remove the VBD's qos.")
        }
        if !vbd.extraBackendKeys.isEmpty {
            logger.debug("\(field): extra_backend_keys \(vbd.extraBackendKeys.keys.sorted()) ignored: libxl writes its own backend keys")
        }
        disk.vdev = CMemory.string(vdev)
        let cdrom = vbd.ty == .cdrom
        disk.is_cdrom = cdrom ? 1 : 0
        disk.removable = cdrom ? 1 : 0
        disk.readwrite = (vbd.mode == .readWrite && !cdrom) ? 1 : 0

        guard let backend = vbd.backend else {
            guard cdrom else {
                throw .invalid("\(field): backend", "a Disk VBD needs a backend", remedy: "Give the VBD a Local path.")
            }
            guard guest == .hvm else {
                throw .unsupported("\(field): backend", "an empty CD drive needs an HVM guest: libxl emulates CD drives with QEMU", remedy: "Attach the ISO as a read-only disk, or make the VM HVM.")
            }
            disk.format = LIBXL_DISK_FORMAT_EMPTY
            disk.backend = LIBXL_DISK_BACKEND_QDISK
            disk.pdev_path = CMemory.string("")
            return
        }
        let path = try self.path(of: backend, field: "\(field): backend")
        let (kind, format) = Self.backend(forPath: path)
        disk.pdev_path = CMemory.string(path)
        disk.format = format
        // libxl insists on QDISK for the CD drives of HVM guests (QEMU emulates them).
        disk.backend = (cdrom && guest == .hvm) ? LIBXL_DISK_BACKEND_QDISK : kind
    }

    /// The dom0 path of a disk: Local paths as they are, VDIs through the resolver.
    func path(of disk: Disk, field: String) throws(TranslationError) -> String {
        switch disk {
        case .local(let path):
            guard path.hasPrefix("/") else {
                throw .invalid(field, "\"\(path)\" is not an absolute dom0 path", remedy: "Give the absolute path of a block device or image file in dom0.")
            }
            return path
        case .vdi(let vdi):
            guard let vdiResolver else {
                throw .unsupported(field, "VDI \"\(vdi)\" needs SMAPIv2 to be attached, which this daemon does not provide", remedy: "Use a Local disk: the dom0 path of a block device or image file.")
            }
            do { return try vdiResolver(vdi) } catch {
                throw .invalid(field, "VDI \"\(vdi)\" could not be resolved: \(error)", remedy: "Check the VDI exists and is attachable, or use a Local path.")
            }
        }
    }

    /// Block devices (`/dev/…`) go to blkback (`phy`, raw); image files to QEMU's `qdisk`,
    /// with the format from the extension (`.qcow2`, `.qcow`, `.vhd`, `.qed`; anything else raw).
    static func backend(forPath path: String) -> (libxl_disk_backend, libxl_disk_format) {
        if path.hasPrefix("/dev/") { return (LIBXL_DISK_BACKEND_PHY, LIBXL_DISK_FORMAT_RAW) }
        let ext = path.split(separator: "/").last?.split(separator: ".").dropFirst().last.map { $0.lowercased() } ?? ""
        switch ext {
        case "qcow2": return (LIBXL_DISK_BACKEND_QDISK, LIBXL_DISK_FORMAT_QCOW2)
        case "qcow": return (LIBXL_DISK_BACKEND_QDISK, LIBXL_DISK_FORMAT_QCOW)
        case "vhd": return (LIBXL_DISK_BACKEND_QDISK, LIBXL_DISK_FORMAT_VHD)
        case "qed": return (LIBXL_DISK_BACKEND_QDISK, LIBXL_DISK_FORMAT_QED)
        default: return (LIBXL_DISK_BACKEND_QDISK, LIBXL_DISK_FORMAT_RAW)
        }
    }

    // MARK: - NICs

    func nics(_ vifs: [VIF], guest: Guest, into d: UnsafeMutablePointer<libxl_domain_config>) throws(TranslationError) {
        guard !vifs.isEmpty else { return }
        var seen: [Int: String] = [:]
        d.pointee.nics = CMemory.array(of: libxl_device_nic.self, count: vifs.count)
        for (i, vif) in vifs.enumerated() {
            libxl_device_nic_init(&d.pointee.nics[i])
            d.pointee.num_nics = Int32(i + 1)
            try nic(vif, guest: guest, into: &d.pointee.nics[i])
            if let other = seen[vif.position] {
                throw .invalid("VIF \(vif.id.name): position", "device id \(vif.position) is also used by VIF \(other)", remedy: "Give each VIF its own position.")
            }
            seen[vif.position] = vif.id.name
        }
    }

    /// Fills an initialised `libxl_device_nic` for `vif` (also used for hot-plug).
    func nic(_ vif: VIF, guest: Guest, into nic: inout libxl_device_nic) throws(TranslationError) {
        let field = "VIF \(vif.id.name)"
        guard vif.position >= 0 else {
            throw .invalid("\(field): position", "\(vif.position) is not a device id", remedy: "Use a position of 0 or more.")
        }
        nic.devid = Int32(vif.position)
        guard let mac = MACAddress(vif.mac) else {
            throw .invalid("\(field): mac", "\"\(vif.mac)\" is not a MAC address", remedy: "Use six hex bytes such as 00:16:3e:12:34:56.")
        }
        nic.mac = mac.libxl
        switch vif.backend {
        case .local(let bridge):
            guard !bridge.isEmpty else {
                throw .invalid("\(field): backend", "the bridge name is empty", remedy: "Name the dom0 bridge, e.g. xenbr0.")
            }
            nic.bridge = CMemory.string(bridge)
        case .remote(let vm, let bridge):
            throw .unsupported("\(field): backend", "network driver domains (bridge \(bridge) in VM \(vm)) are not supported", remedy: "Use a Local bridge in dom0.")
        case .sriov(let address):
            throw .unsupported("\(field): backend", "SR-IOV virtual function \(address) is not supported as a VIF", remedy: "Pass the VF through as a PCI device, or use a Local bridge.")
        }
        guard (68...65535).contains(vif.mtu) else {
            throw .invalid("\(field): mtu", "\(vif.mtu) is outside 68…65535", remedy: "Use 1500, or the MTU of the bridge.")
        }
        nic.mtu = Int32(vif.mtu)
        if let rate = vif.rate {
            let (bytes, interval) = try Self.rate(rate, field: "\(field): rate")
            nic.rate_bytes_per_interval = bytes
            nic.rate_interval_usecs = interval
        }
        if !vif.carrier {
            throw .unsupported("\(field): carrier", "libxl cannot attach a VIF with its carrier down", remedy: "Set carrier to true.")
        }
        switch vif.lockingMode {
        case .unlocked: break
        case .disabled, .locked:
            throw .unsupported("\(field): locking_mode", "libxl has no VIF traffic locking (it is an Open vSwitch rule set in XenServer)", remedy: "Use locking_mode Unlocked.")
        }
        if vif.pvsProxy != nil {
            throw .unsupported("\(field): pvs_proxy", "PVS proxy is a XenServer feature", remedy: "Remove pvs_proxy.")
        }
        if vif.vlan != nil || !vif.trunks.isEmpty {
            throw .unsupported("\(field): vlan", "VLAN tagging on the VIF needs Open vSwitch", remedy: "Attach the VIF to a bridge that carries the VLAN.")
        }
        if !vif.otherConfig.isEmpty || vif.ipv4Configuration != .unspecified || vif.ipv6Configuration != .unspecified {
            logger.debug("\(field): other_config and ipv4/ipv6_configuration ignored (guest-agent settings written by XAPI)")
        }
        // HVM guests get an emulated NIC plus the PV one (the guest picks); others only PV.
        nic.nictype = guest == .hvm ? LIBXL_NIC_TYPE_VIF_IOEMU : LIBXL_NIC_TYPE_VIF
    }

    /// xenopsd's rate rule: `kbps` KiB/s over `timeslice` µs (50 ms when 0) becomes bytes per
    /// interval, which must fit netback's 32-bit field.
    static func rate(_ rate: VIF.Rate, field: String) throws(TranslationError) -> (UInt64, UInt32) {
        let interval = rate.timeslice > 0 ? rate.timeslice : 50_000
        guard rate.kbps > 0, interval <= Int64(UInt32.max) else {
            throw .invalid(field, "rate \(rate.kbps) KiB/s every \(rate.timeslice) µs is not a limit", remedy: "Give a positive rate in KiB/s and a timeslice in µs (0 for 50 ms).")
        }
        let (product, overflow) = rate.kbps.multipliedReportingOverflow(by: 1024 * interval)
        let bytes = overflow ? Int64.max : product / 1_000_000
        guard bytes > 0, bytes < 0xffff_ffff else {
            throw .invalid(field, "rate \(rate.kbps) KiB/s every \(interval) µs gives \(bytes) bytes per interval, outside netback's range", remedy: "Use a smaller rate or a shorter timeslice.")
        }
        return (UInt64(bytes), UInt32(interval))
    }

    // MARK: - PCI passthrough

    func pcis(_ pcis: [PCI], vm: VM, into d: UnsafeMutablePointer<libxl_domain_config>) throws(TranslationError) {
        guard !pcis.isEmpty else { return }
        d.pointee.pcidevs = CMemory.array(of: libxl_device_pci.self, count: pcis.count)
        for (i, p) in pcis.enumerated() {
            libxl_device_pci_init(&d.pointee.pcidevs[i])
            d.pointee.num_pcidevs = Int32(i + 1)
            try pci(p, vm: vm, into: &d.pointee.pcidevs[i])
        }
    }

    /// Fills an initialised `libxl_device_pci` (also used for hot-plug).
    func pci(_ p: PCI, vm: VM?, into pci: inout libxl_device_pci) throws(TranslationError) {
        let a = p.address
        guard (0...0xffff).contains(a.domain), (0...0xff).contains(a.bus), (0...0x1f).contains(a.dev), (0...7).contains(a.fn) else {
            throw .invalid("PCI \(p.id.name): address", "\(a) is not a PCI function address", remedy: "Use domain 0–ffff, bus 0–ff, device 0–1f, function 0–7.")
        }
        pci.domain = Int32(a.domain)
        pci.bus = UInt8(a.bus)
        pci.dev = UInt8(a.dev)
        pci.func = UInt8(a.fn)
        pci.msitranslate = p.msitranslate ?? vm?.pciMsitranslate ?? true
        pci.power_mgmt = p.powerMgmt ?? vm?.pciPowerMgmt ?? false
    }
}

import CXenLight
import Foundation
import XenopsCore

extension DomainConfigBuilder {
    // MARK: - PV, PVH and PV-in-PVH boot

    /// Sets the kernel (direct boot) or bootloader (indirect boot). Returns the disk the
    /// bootloader must read, if the VM names one (it is then put first: libxl runs the
    /// bootloader on the first disk).
    func pvBoot(_ boot: PVBoot, field: String, into b: inout libxl_domain_build_info) throws(TranslationError) -> Disk? {
        switch boot {
        case .direct(let direct):
            guard !direct.kernel.isEmpty else {
                throw .invalid("\(field).kernel", "direct boot needs a kernel path", remedy: "Give the dom0 path of the guest kernel, or use Indirect boot with a bootloader.")
            }
            b.kernel = CMemory.string(direct.kernel)
            if !direct.cmdline.isEmpty { b.cmdline = CMemory.string(direct.cmdline) }
            if let ramdisk = direct.ramdisk, !ramdisk.isEmpty { b.ramdisk = CMemory.string(ramdisk) }
            return nil
        case .indirect(let indirect):
            guard !indirect.bootloader.isEmpty else {
                throw .invalid("\(field).bootloader", "indirect boot needs a bootloader", remedy: "Use \"pygrub\" (or an absolute path), or Direct boot with a kernel.")
            }
            if indirect.bootloader == "eliloader" {
                throw .unsupported("\(field).bootloader", "eliloader is XenServer's installer loader and is not part of Xen", remedy: "Use pygrub, or boot the installer kernel directly.")
            }
            // libxl finds a relative name (pygrub) in Xen's private bin directory.
            b.bootloader = CMemory.string(indirect.bootloader)
            let args = indirect.bootloaderArgs.split(whereSeparator: \.isWhitespace).map(String.init)
            if !args.isEmpty { b.bootloader_args = CMemory.stringList(args) }
            // libxl passes the cmdline to the bootloader as --args (appended to what it finds).
            let cmdline = [indirect.legacyArgs, indirect.extraArgs].filter { !$0.isEmpty }.joined(separator: " ")
            if !cmdline.isEmpty { b.cmdline = CMemory.string(cmdline) }
            return indirect.devices.first
        }
    }

    /// Puts the VBD holding `bootDisk` first. A boot disk no VBD holds is an error.
    func orderForBoot(_ vbds: [VBD], bootDisk: Disk?) throws(TranslationError) -> [VBD] {
        guard let bootDisk else { return vbds }
        guard let i = vbds.firstIndex(where: { $0.backend == bootDisk }) else {
            throw .invalid("pv_info.boot.devices", "the boot device \(Self.describe(bootDisk)) is not the backend of any VBD", remedy: "Attach the boot disk as a VBD of the VM.")
        }
        var ordered = vbds
        ordered.insert(ordered.remove(at: i), at: 0)
        return ordered
    }

    /// A PV framebuffer and keyboard (`vfb` + `vkb`), served over VNC by QEMU in dom0.
    func framebuffer(listen: String?, into d: UnsafeMutablePointer<libxl_domain_config>) {
        d.pointee.num_vfbs = 1
        d.pointee.vfbs = CMemory.array(of: libxl_device_vfb.self, count: 1)
        libxl_device_vfb_init(&d.pointee.vfbs[0])
        libxl_defbool_set(&d.pointee.vfbs[0].vnc.enable, true)
        libxl_defbool_set(&d.pointee.vfbs[0].vnc.findunused, true)
        d.pointee.vfbs[0].vnc.listen = CMemory.string(listen ?? "127.0.0.1")
        d.pointee.num_vkbs = 1
        d.pointee.vkbs = CMemory.array(of: libxl_device_vkb.self, count: 1)
        libxl_device_vkb_init(&d.pointee.vkbs[0])
    }

    // MARK: - HVM

    /// The least video RAM qemu-xen's emulated card accepts, in KiB (libxl refuses less with
    /// "videoram must be at least … MB"): 8 MiB for Cirrus, 16 MiB for standard VGA.
    static func minimumVideoKiB(_ kind: libxl_vga_interface_type) -> UInt64? {
        switch kind {
        case LIBXL_VGA_INTERFACE_TYPE_CIRRUS: 8 * 1024
        case LIBXL_VGA_INTERFACE_TYPE_STD: 16 * 1024
        default: nil
        }
    }

    /// XAPI's default `video_mib` is 4, sized for the qemu-trad device model xenopsd used;
    /// qemu-xen needs more. Rather than refuse every default HVM VM, raise the video RAM to the
    /// card's minimum and say so in the log (the guest gets more video memory, never less).
    func raiseVideoMemoryToMinimum(_ b: inout libxl_domain_build_info) {
        guard let minimum = Self.minimumVideoKiB(b.u.hvm.vga.kind), b.video_memkb < minimum else { return }
        logger.info("hvm video memory raised from \(b.video_memkb / 1024) MiB to \(minimum / 1024) MiB: qemu-xen's \(b.u.hvm.vga.kind == LIBXL_VGA_INTERFACE_TYPE_STD ? "standard VGA" : "Cirrus") card needs at least that much")
        b.video_memkb = minimum
    }

    func hvm(_ h: HVMInfo, vm: VM, c_info: inout libxl_domain_create_info, into b: inout libxl_domain_build_info) throws(TranslationError) {
        libxl_defbool_set(&c_info.hap, h.hap)
        b.device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN
        libxl_defbool_set(&b.acpi, h.acpi)

        switch h.firmware {
        case .bios:
            b.u.hvm.bios = LIBXL_BIOS_TYPE_SEABIOS
        case .uefi(let nvram):
            b.u.hvm.bios = LIBXL_BIOS_TYPE_OVMF
            if nvram.backend != "xapidb" || nvram.onBoot != .persist {
                logger.debug("firmware Uefi: NVRAM backend \(nvram.backend)/\(nvram.onBoot.rawValue) ignored: OVMF under libxl keeps its variables in guest memory only")
            }
        }

        switch h.video {
        case .cirrus: b.u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_CIRRUS
        case .standardVGA: b.u.hvm.vga.kind = LIBXL_VGA_INTERFACE_TYPE_STD
        case .vgpu:
            throw .unsupported("hvm_info.video", "vGPU needs XenServer's vGPU manager (demu/vgpu), which libxl does not drive", remedy: "Use Cirrus or Standard_VGA.")
        case .igdPassthroughGVTd:
            throw .unsupported("hvm_info.video", "Intel IGD passthrough is not supported by this daemon", remedy: "Use Cirrus or Standard_VGA; pass GPUs through as PCI devices.")
        }
        guard h.videoMib > 0, h.videoMib <= 256 else {
            throw .invalid("hvm_info.video_mib", "\(h.videoMib) MiB of video memory is outside 1…256", remedy: "Use 4, 8 or 16 MiB.")
        }
        b.video_memkb = UInt64(h.videoMib) * 1024

        // Video RAM below qemu-xen's minimum is raised by raiseVideoMemoryToMinimum once
        // platformdata (which may set "videoram") has been applied.

        // VNC is always on, as xenopsd starts it for every HVM guest; 127.0.0.1 unless vnc_ip says otherwise.
        libxl_defbool_set(&b.u.hvm.vnc.enable, true)
        libxl_defbool_set(&b.u.hvm.vnc.findunused, true)
        b.u.hvm.vnc.listen = CMemory.string(h.vncIP ?? "127.0.0.1")
        if let keymap = h.keymap, !keymap.isEmpty { b.u.hvm.keymap = CMemory.string(keymap) }
        if let serial = h.serial, !serial.isEmpty { b.u.hvm.serial = CMemory.string(serial) }

        if !h.bootOrder.isEmpty {
            let order = h.bootOrder.lowercased()
            guard order.allSatisfy({ "acdn".contains($0) }) else {
                throw .invalid("hvm_info.boot_order", "\"\(h.bootOrder)\" has letters other than a, c, d, n", remedy: "Use c (disk), d (CD-ROM), n (network), a (floppy), e.g. \"cdn\".")
            }
            b.u.hvm.boot = CMemory.string(order)
        }
        if !h.timeoffset.isEmpty {
            guard let seconds = Int32(h.timeoffset.trimmingCharacters(in: .whitespaces)) else {
                throw .invalid("hvm_info.timeoffset", "\"\(h.timeoffset)\" is not a number of seconds", remedy: "Give the RTC offset from UTC in seconds, e.g. \"3600\".")
            }
            b.rtc_timeoffset = UInt32(bitPattern: seconds)
        }
        if !h.pciEmulations.isEmpty {
            throw .unsupported("hvm_info.pci_emulations", "libxl cannot add arbitrary emulated PCI devices (\(h.pciEmulations.joined(separator: ", ")))", remedy: "Remove pci_emulations.")
        }
        if h.qemuStubdom { libxl_defbool_set(&b.device_model_stubdomain, true) }
        if let tpm = h.tpm {
            throw .unsupported("hvm_info.tpm", "vTPM \(tpm.vtpmUUID) needs XenServer's swtpm integration; libxl's vTPM uses a separate stub domain", remedy: "Remove the vTPM.")
        }
        if h.shadowMultiplier != 1.0 {
            guard h.shadowMultiplier.isFinite, h.shadowMultiplier > 0 else {
                throw .invalid("hvm_info.shadow_multiplier", "\(h.shadowMultiplier) is not a positive multiplier", remedy: "Use 1.0 unless told otherwise.")
            }
            let base = libxl_get_required_shadow_memory(UInt(b.max_memkb), UInt32(b.max_vcpus))
            b.shadow_memkb = UInt64((Double(base) * h.shadowMultiplier).rounded(.up))
        }
        if h.qemuDiskCmdline {
            logger.debug("hvm_info.qemu_disk_cmdline ignored: libxl always hands disks to QEMU itself")
        }
        if vm.hasVendorDevice { b.u.hvm.vendor_device = LIBXL_VENDOR_DEVICE_XENSERVER }
        if let gen = vm.generationID, !gen.isEmpty {
            b.u.hvm.ms_vm_genid = try Self.generationID(gen)
        }
    }

    /// XAPI's `generation_id` (`"<high>:<low>"`, two decimal 64-bit numbers) as the 16 bytes of
    /// the Microsoft VM generation id: the first number little-endian in bytes 0–7, the second
    /// in 8–15 (hvmloader's layout of `platform/generation-id`).
    static func generationID(_ s: String) throws(TranslationError) -> libxl_ms_vm_genid {
        let parts = s.split(separator: ":")
        guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]) else {
            throw .invalid("generation_id", "\"\(s)\" is not two decimal numbers joined by a colon", remedy: "Use the form XAPI generates, e.g. \"1234:5678\".")
        }
        var id = libxl_ms_vm_genid()
        withUnsafeMutableBytes(of: &id.bytes) { raw in
            for i in 0..<8 {
                raw[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i)))
                raw[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i)))
            }
        }
        return id
    }

    static func describe(_ disk: Disk) -> String {
        switch disk {
        case .local(let p): return "Local \(p)"
        case .vdi(let v): return "VDI \(v)"
        }
    }
}

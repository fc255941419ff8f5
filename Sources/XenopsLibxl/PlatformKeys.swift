import CXenLight

/// How `Vm.platformdata` keys map to libxl options.
///
/// XAPI puts many keys in `platform`; the whole map is also written verbatim to
/// `/local/domain/N/platform`, as xenopsd does. Keys with a libxl option are applied here
/// (invalid values are a ``TranslationError``); keys that do not apply to the guest type,
/// and keys libxl has no option for, are ignored with a debug log. `Docs/libxl.md` lists
/// the table.
struct PlatformKey: Sendable {
    /// Which guest types the key applies to.
    enum Applies: Sendable { case hvm, hvmAndPVH, all }

    let key: String
    /// The libxl field it sets, for the docs and logs.
    let libxlField: String
    let applies: Applies
    let apply: @Sendable (_ value: String, _ d: UnsafeMutablePointer<libxl_domain_config>) throws(TranslationError) -> Void

    func applies(to guest: DomainConfigBuilder.Guest) -> Bool {
        switch applies {
        case .all: return true
        case .hvm: return guest == .hvm
        case .hvmAndPVH: return guest != .pv
        }
    }

    /// Viridian enlightenment keys (`viridian_<name>`) and their libxl groups.
    static let viridianGroups: [String: libxl_viridian_enlightenment] = [
        "viridian_time_ref_count": LIBXL_VIRIDIAN_ENLIGHTENMENT_TIME_REF_COUNT,
        "viridian_reference_tsc": LIBXL_VIRIDIAN_ENLIGHTENMENT_REFERENCE_TSC,
        "viridian_apic_assist": LIBXL_VIRIDIAN_ENLIGHTENMENT_APIC_ASSIST,
        "viridian_crash_ctl": LIBXL_VIRIDIAN_ENLIGHTENMENT_CRASH_CTL,
        "viridian_stimer": LIBXL_VIRIDIAN_ENLIGHTENMENT_STIMER,
    ]

    /// Keys XAPI sets that libxl has no option for, and why they are ignored.
    static let ignored: [String: String] = [
        "cores-per-socket": "libxl 4.17 has no CPU topology option",
        "featureset": "CPU feature levelling is not done by this daemon",
        "vga": "XAPI turns it into hvm_info.video",
        "device_id": "the XenServer PV device id has no libxl option",
        "generation-id": "the VM's generation_id field is used",
        "hvm_serial": "hvm_info.serial is used",
        "parallel": "libxl has no parallel port option",
        "vncterm": "libxl has no text-console VNC",
        "secureboot": "libxl has no Secure Boot; \"true\" is refused",
        "device-model": "only QEMU upstream exists; \"qemu-trad\" is refused",
    ]

    /// Every key with a libxl option.
    static let table: [PlatformKey] = [
        bool("acpi", "b_info.acpi", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.acpi, v) },
        bool("acpi_s3", "b_info.u.hvm.acpi_s3", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.u.hvm.acpi_s3, v) },
        bool("acpi_s4", "b_info.u.hvm.acpi_s4", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.u.hvm.acpi_s4, v) },
        bool("apic", "b_info.apic", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.apic, v) },
        bool("pae", "b_info.u.hvm.pae", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.u.hvm.pae, v) },
        bool("nx", "b_info.u.hvm.nx", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.u.hvm.nx, v) },
        bool("hpet", "b_info.u.hvm.hpet", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.u.hvm.hpet, v) },
        bool("viridian", "b_info.u.hvm.viridian", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.u.hvm.viridian, v) },
        bool("nested-virt", "b_info.nested_hvm", .hvmAndPVH) { d, v in libxl_defbool_set(&d.pointee.b_info.nested_hvm, v) },
        bool("vpmu", "b_info.vpmu", .all) { d, v in libxl_defbool_set(&d.pointee.b_info.vpmu, v) },
        bool("msr-relaxed", "b_info.arch_x86.msr_relaxed", .hvmAndPVH) { d, v in libxl_defbool_set(&d.pointee.b_info.arch_x86.msr_relaxed, v) },
        bool("nomigrate", "b_info.disable_migrate", .all) { d, v in libxl_defbool_set(&d.pointee.b_info.disable_migrate, v) },
        bool("usb", "b_info.u.hvm.usb", .hvm) { d, v in libxl_defbool_set(&d.pointee.b_info.u.hvm.usb, v) },
        PlatformKey(key: "usb_tablet", libxlField: "b_info.u.hvm.usbdevice_list [\"tablet\"]", applies: .hvm) { value, d throws(TranslationError) in
            guard try parseBool(value, key: "usb_tablet") else { return }
            libxl_defbool_set(&d.pointee.b_info.u.hvm.usb, true)
            libxl_string_list_dispose(&d.pointee.b_info.u.hvm.usbdevice_list)
            d.pointee.b_info.u.hvm.usbdevice_list = CMemory.stringList(["tablet"])
        },
        PlatformKey(key: "videoram", libxlField: "b_info.video_memkb (MiB × 1024)", applies: .hvm) { value, d throws(TranslationError) in
            let mib = try parseInt(value, key: "videoram", range: 1...256)
            d.pointee.b_info.video_memkb = UInt64(mib) * 1024
        },
        PlatformKey(key: "timeoffset", libxlField: "b_info.rtc_timeoffset (seconds)", applies: .hvm) { value, d throws(TranslationError) in
            let seconds = try parseInt(value, key: "timeoffset", range: Int(Int32.min)...Int(Int32.max))
            d.pointee.b_info.rtc_timeoffset = UInt32(bitPattern: Int32(seconds))
        },
        PlatformKey(key: "max_grant_frames", libxlField: "b_info.max_grant_frames", applies: .all) { value, d throws(TranslationError) in
            d.pointee.b_info.max_grant_frames = UInt32(try parseInt(value, key: "max_grant_frames", range: 1...Int(UInt32.max)))
        },
        PlatformKey(key: "max_maptrack_frames", libxlField: "b_info.max_maptrack_frames", applies: .all) { value, d throws(TranslationError) in
            d.pointee.b_info.max_maptrack_frames = UInt32(try parseInt(value, key: "max_maptrack_frames", range: 0...Int(UInt32.max)))
        },
        PlatformKey(key: "tsc_mode", libxlField: "b_info.tsc_mode", applies: .all) { value, d throws(TranslationError) in
            if let n = Int(value), (0...3).contains(n) {
                d.pointee.b_info.tsc_mode = libxl_tsc_mode(rawValue: UInt32(n))
                return
            }
            var mode = libxl_tsc_mode(rawValue: 0)
            guard libxl_tsc_mode_from_string(value, &mode) == 0 else {
                throw .invalid("platformdata.tsc_mode", "\"\(value)\" is not a TSC mode", remedy: "Use 0–3 or default, always_emulate, native, native_paravirt.")
            }
            d.pointee.b_info.tsc_mode = mode
        },
        PlatformKey(key: "device-model", libxlField: "b_info.device_model_version", applies: .hvm) { value, d throws(TranslationError) in
            switch value {
            case "qemu-upstream", "qemu-upstream-compat", "qemu-upstream-uefi", "qemu-xen":
                d.pointee.b_info.device_model_version = LIBXL_DEVICE_MODEL_VERSION_QEMU_XEN
            case "qemu-trad", "qemu-xen-traditional":
                throw .unsupported("platformdata.device-model", "qemu-traditional is not shipped with this Xen", remedy: "Use qemu-upstream-compat.")
            default:
                throw .invalid("platformdata.device-model", "\"\(value)\" is not a device model", remedy: "Use qemu-upstream-compat.")
            }
        },
        PlatformKey(key: "secureboot", libxlField: "(none: \"true\" is refused)", applies: .hvm) { value, _ throws(TranslationError) in
            if value.lowercased() == "true" {
                throw .unsupported("platformdata.secureboot", "libxl's OVMF has no Secure Boot key management", remedy: "Set secureboot to false (or auto).")
            }
        },
    ]

    static let byKey: [String: PlatformKey] = Dictionary(uniqueKeysWithValues: table.map { ($0.key, $0) })

    static func bool(
        _ key: String, _ field: String, _ applies: Applies,
        _ set: @escaping @Sendable (UnsafeMutablePointer<libxl_domain_config>, Bool) -> Void
    ) -> PlatformKey {
        PlatformKey(key: key, libxlField: field, applies: applies) { value, d throws(TranslationError) in
            set(d, try parseBool(value, key: key))
        }
    }

    /// XAPI writes booleans as `true`/`false` and sometimes `1`/`0`.
    static func parseBool(_ value: String, key: String) throws(TranslationError) -> Bool {
        switch value.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            throw .invalid("platformdata.\(key)", "\"\(value)\" is not a boolean", remedy: "Use true or false.")
        }
    }

    static func parseInt(_ value: String, key: String, range: ClosedRange<Int>) throws(TranslationError) -> Int {
        guard let n = Int(value), range.contains(n) else {
            throw .invalid("platformdata.\(key)", "\"\(value)\" is not a number in \(range.lowerBound)…\(range.upperBound)", remedy: "Correct the value or remove the key.")
        }
        return n
    }
}

extension DomainConfigBuilder {
    /// Applies the platform keys libxl has options for (sorted, so the result is deterministic).
    func applyPlatform(_ platform: [String: String], guest: Guest, into d: UnsafeMutablePointer<libxl_domain_config>) throws(TranslationError) {
        var enable: [Int] = []
        var disable: [Int] = []
        for (key, value) in platform.sorted(by: { $0.key < $1.key }) {
            if let group = PlatformKey.viridianGroups[key] {
                guard guest == .hvm else { continue }
                if try PlatformKey.parseBool(value, key: key) { enable.append(Int(group.rawValue)) } else { disable.append(Int(group.rawValue)) }
                continue
            }
            guard let entry = PlatformKey.byKey[key] else {
                let why = PlatformKey.ignored[key] ?? "no libxl option (a XAPI-private key)"
                logger.debug("platformdata.\(key) ignored: \(why)")
                continue
            }
            guard entry.applies(to: guest) else {
                logger.debug("platformdata.\(key) ignored: it does not apply to \(guest) guests")
                continue
            }
            try entry.apply(value, d)
        }
        if !enable.isEmpty {
            // Extra groups need the base group, which libxl requires whenever any group is on.
            CMemory.fillBitmap(&d.pointee.b_info.u.hvm.viridian_enable, bits: 32, set: [Int(LIBXL_VIRIDIAN_ENLIGHTENMENT_BASE.rawValue)] + enable)
        }
        if !disable.isEmpty {
            CMemory.fillBitmap(&d.pointee.b_info.u.hvm.viridian_disable, bits: 32, set: disable)
        }
    }
}

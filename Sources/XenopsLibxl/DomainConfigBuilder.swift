import CXenLight
import Logging
import XenopsBackend
import XenopsCore

/// Translates a xenops VM and its devices (a ``XenopsBackend/DomainSpec``) into an owned
/// `libxl_domain_config`.
///
/// Pure: it calls only libxl's `*_init` functions, `strdup`/`calloc` and field assignments, so
/// it needs no libxl context and runs without Xen (tests render the result with libxl's own
/// `libxl_domain_config_to_json`). A field that cannot be honoured fails the build with a
/// ``TranslationError``; settings libxl can default are left to libxl. The mapping table is in
/// `Docs/libxl.md`.
public struct DomainConfigBuilder: Sendable {
    /// Turns a xenops `VDI` disk (`"SR/location"`) into a dom0 path, if the daemon can.
    public typealias VDIResolver = @Sendable (_ vdi: String) throws -> String

    /// Resolves `VDI` disks; without one, a VDI is a ``TranslationError``.
    public var vdiResolver: VDIResolver?
    /// Where ignored platform keys and other notes are logged (at debug level).
    public var logger: Logger

    public init(logger: Logger = Logger(label: "xenopsd.libxl.config"), vdiResolver: VDIResolver? = nil) {
        self.logger = logger
        self.vdiResolver = vdiResolver
    }

    /// The kind of guest, as far as device translation cares.
    enum Guest: Sendable, Hashable {
        case pv, pvh, hvm

        init(_ ty: BuilderInfo) {
            switch ty {
            case .hvm: self = .hvm
            case .pv: self = .pv
            case .pvh, .pvInPVH: self = .pvh
            }
        }

        var libxlType: libxl_domain_type {
            switch self {
            case .pv: return LIBXL_DOMAIN_TYPE_PV
            case .pvh: return LIBXL_DOMAIN_TYPE_PVH
            case .hvm: return LIBXL_DOMAIN_TYPE_HVM
            }
        }
    }

    /// Builds the configuration for `spec`.
    ///
    /// - Parameters:
    ///   - domainName: the libxl domain name (unique on the host); defaults to the VM name.
    /// - Throws: ``TranslationError`` naming the first field that cannot be honoured.
    public func build(_ spec: DomainSpec, domainName: String? = nil) throws(TranslationError) -> DomainConfigBox {
        let vm = spec.vm
        let guest = Guest(vm.ty)
        let box = DomainConfigBox()
        let d = box.pointer

        try createInfo(vm, guest: guest, name: domainName ?? vm.name, into: &d.pointee.c_info)
        libxl_domain_build_info_init_type(&d.pointee.b_info, guest.libxlType)
        try resources(vm, into: &d.pointee.b_info)
        numaPlacement(spec.numaAffinityPolicy, into: &d.pointee.b_info)
        try checkUnsupportedVMFields(vm)

        let bootDisk: Disk?
        switch vm.ty {
        case .pv(let info):
            bootDisk = try pvBoot(info.boot, field: "pv_info.boot", into: &d.pointee.b_info)
            if info.framebuffer { framebuffer(listen: info.framebufferIP, into: d) }
        case .pvh(let info):
            bootDisk = try pvBoot(info.boot, field: "pvh_info.boot", into: &d.pointee.b_info)
        case .pvInPVH(let info):
            bootDisk = try pvBoot(info.boot, field: "pvinpvh_info.boot", into: &d.pointee.b_info)
            // A PV kernel runs inside a PVH container under the PV shim (libxl's `pvshim`).
            libxl_defbool_set(&d.pointee.b_info.u.pvh.pvshim, true)
        case .hvm(let info):
            bootDisk = nil
            try hvm(info, vm: vm, c_info: &d.pointee.c_info, into: &d.pointee.b_info)
        }
        try applyPlatform(vm.platformdata, guest: guest, into: d)
        if case .hvm = vm.ty { raiseVideoMemoryToMinimum(&d.pointee.b_info) }

        try disks(orderForBoot(spec.vbds, bootDisk: bootDisk), guest: guest, into: d)
        try nics(spec.vifs, guest: guest, into: d)
        try pcis(spec.pcis, vm: vm, into: d)
        return box
    }

    // MARK: - c_info

    func createInfo(_ vm: VM, guest: Guest, name: String, into c: inout libxl_domain_create_info) throws(TranslationError) {
        c.type = guest.libxlType
        guard !name.isEmpty else {
            throw .invalid("name", "the domain name is empty", remedy: "Give the VM a name.")
        }
        c.name = CMemory.string(name)
        guard let uuid = LibxlUUID.parse(vm.id) else {
            throw .invalid("id", "\"\(vm.id)\" is not a uuid", remedy: "The VM id must be its uuid: the domain handle is set to it.")
        }
        c.uuid = uuid
        c.ssidref = UInt32(bitPattern: vm.ssidref)
        // xenopsd writes only the vm-data/ and FIST/ subtrees of xsdata (relative to /local/domain/N).
        let xsdata = vm.xsdata.filter { Self.allowedXSData($0.key) }
        for key in vm.xsdata.keys where !Self.allowedXSData(key) {
            logger.debug("xsdata key \(key) ignored: only vm-data/ and FIST/ keys are written, as in xenopsd")
        }
        if !xsdata.isEmpty { c.xsdata = CMemory.keyValueList(xsdata) }
        // Like xenopsd, platformdata is also written verbatim to /local/domain/N/platform.
        if !vm.platformdata.isEmpty { c.platformdata = CMemory.keyValueList(vm.platformdata) }
    }

    static func allowedXSData(_ key: String) -> Bool {
        key == "vm-data" || key.hasPrefix("vm-data/") || key == "FIST" || key.hasPrefix("FIST/")
    }

    // MARK: - Memory, vCPUs, scheduler

    func resources(_ vm: VM, into b: inout libxl_domain_build_info) throws(TranslationError) {
        guard vm.vcpuMax >= 1, vm.vcpuMax <= 4096 else {
            throw .init(.xenops(.invalidVcpus(vm.vcpuMax)), field: "vcpu_max", reason: "\(vm.vcpuMax) is not a vCPU count between 1 and 4096", remedy: "Set vcpu_max to at least 1.")
        }
        guard (1...vm.vcpuMax).contains(vm.vcpus) else {
            throw .init(.xenops(.invalidVcpus(vm.vcpus)), field: "vcpus", reason: "\(vm.vcpus) vCPUs online is not within 1…vcpu_max (\(vm.vcpuMax))", remedy: "Set vcpus between 1 and vcpu_max.")
        }
        b.max_vcpus = Int32(vm.vcpuMax)
        CMemory.fillBitmap(&b.avail_vcpus, bits: vm.vcpuMax, set: 0..<vm.vcpus)

        guard vm.memoryStaticMax > 0 else {
            throw .invalid("memory_static_max", "\(vm.memoryStaticMax) bytes is not a memory size", remedy: "Set memory_static_max (and memory_dynamic_max) to the VM's memory in bytes.")
        }
        let maxKiB = Self.kib(roundingUp: vm.memoryStaticMax)
        let target = vm.memoryDynamicMax > 0 ? min(vm.memoryDynamicMax, vm.memoryStaticMax) : vm.memoryStaticMax
        b.max_memkb = maxKiB
        b.target_memkb = Self.kib(roundingUp: target)

        if let p = vm.schedulerParams.priority {
            guard (1...65535).contains(p.weight) else {
                throw .invalid("scheduler_params.priority", "weight \(p.weight) is outside 1…65535", remedy: "Use a credit-scheduler weight between 1 and 65535 (256 is the default).")
            }
            guard p.cap >= 0 else {
                throw .invalid("scheduler_params.priority", "cap \(p.cap) is negative", remedy: "Use a cap in percent of one pCPU, or 0 for no cap.")
            }
            b.sched_params.weight = Int32(p.weight)
            b.sched_params.cap = Int32(p.cap)
        }
        let affinity = vm.schedulerParams.affinity
        if !affinity.isEmpty {
            guard affinity.count <= vm.vcpuMax else {
                throw .invalid("scheduler_params.affinity", "\(affinity.count) per-vCPU lists for \(vm.vcpuMax) vCPUs", remedy: "Give at most one pCPU list per vCPU.")
            }
            let bits = Self.affinityBits
            let maps = CMemory.array(of: libxl_bitmap.self, count: affinity.count)
            for (i, cpus) in affinity.enumerated() {
                libxl_bitmap_init(&maps[i])
                if let bad = cpus.first(where: { $0 < 0 || $0 >= bits }) {
                    b.vcpu_hard_affinity = maps  // so dispose frees what is there
                    b.num_vcpu_hard_affinity = Int32(i)
                    throw .invalid("scheduler_params.affinity", "pCPU \(bad) of vCPU \(i) is outside 0…\(bits - 1)", remedy: "List existing pCPU numbers.")
                }
                // An empty list means "anywhere".
                CMemory.fillBitmap(&maps[i], bits: bits, set: cpus.isEmpty ? Array(0..<bits) : cpus)
            }
            b.vcpu_hard_affinity = maps
            b.num_vcpu_hard_affinity = Int32(affinity.count)
        }
    }

    /// pCPUs an affinity bitmap can name.
    static let affinityBits = 1024

    static func kib(roundingUp bytes: Int64) -> UInt64 { UInt64((bytes + 1023) / 1024) }

    /// VM fields libxl has no equivalent for: an error when they ask for non-default behaviour.
    func checkUnsupportedVMFields(_ vm: VM) throws(TranslationError) {
        if vm.suppressSpuriousPageFaults {
            throw .unsupported("suppress_spurious_page_faults", "libxl has no option to suppress spurious page faults (a XenServer Xen patch)", remedy: "Set it to false.")
        }
        if let bits = vm.machineAddressSize {
            throw .unsupported("machine_address_size", "libxl cannot limit the machine address size (\(bits) bits requested)", remedy: "Remove machine_address_size.")
        }
        if !vm.biosStrings.isEmpty {
            logger.debug("bios_strings ignored: libxl 4.17 takes SMBIOS tables only as a firmware file; hvmloader's defaults apply")
        }
    }
}

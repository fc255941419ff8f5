import CXenLight
import Foundation
import XenCtrlGlue
import XenopsBackend
import XenopsCore

extension LibxlHypervisor {
    public func listDomains() async throws -> [DomainInfo] {
        let ctx = self.ctx
        return try await call("listDomains") { [self] in
            try Self.listDomains(ctx).map { info(for: $0) }
        }
    }

    public func domainInfo(vm: String) async throws -> DomainInfo? {
        let ctx = self.ctx
        return try await call("domainInfo", vm: vm) { [self] in
            try Self.find(vm, in: Self.listDomains(ctx)).map { info(for: $0) }
        }
    }

    /// The live (not dying) domain of `vm`, or ``XenopsBackend/BackendError/noDomain(vm:)``.
    func requireDomain(_ vm: String, for operation: String) async throws -> DomainSnapshot {
        let ctx = self.ctx
        let found = try await call(operation, vm: vm) { try Self.find(vm, in: Self.listDomains(ctx)) }
        guard let found, !found.dying else { throw BackendError.noDomain(vm: vm) }
        return found
    }

    /// A live domain this daemon created, with its record; others are refused for changes.
    func requireManaged(_ vm: String, for operation: String) async throws -> (DomainSnapshot, DomainRecord) {
        let d = try await requireDomain(vm, for: operation)
        guard let record = try await call(operation, vm: vm, { [self] in record(for: d) }) else {
            throw BackendError.failed(
                operation: operation, code: Int(LibxlErrorCode.invalid.rawValue),
                detail: "domain \(d.domid) of VM \(vm) was not created by this daemon (it has no \(Self.userdataID) userdata)",
                remedy: "Manage it with the toolstack that created it (xl, libvirt), or destroy it and start the VM here.")
        }
        return (d, record)
    }

    /// Our record of a domain (cached; loaded from userdata). Runs on a worker thread.
    func record(for d: DomainSnapshot) -> DomainRecord? {
        if let r = state.withLock({ $0.records[d.domid] }), r.vm == d.uuid { return r }
        guard let bytes = Self.userdata(ctx, d.domid, Self.userdataID), let r = DomainRecord.decode(bytes) else { return nil }
        state.withLock { $0.records[d.domid] = r }
        return r
    }

    /// Stores (and caches) our record. Runs on a worker thread.
    func store(_ record: DomainRecord, domid: UInt32) throws(LibxlError) {
        let bytes = record.encoded()
        LibxlError.clearThreadMessage()
        let rc = bytes.withUnsafeBufferPointer { libxl_userdata_store(ctx.raw, domid, Self.userdataID, $0.baseAddress, Int32($0.count)) }
        try LibxlError.check(rc, "libxl_userdata_store", context: "domain \(domid)")
        state.withLock { $0.records[domid] = record }
    }

    /// Changes our record of a domain and stores it. Runs on a worker thread.
    func update(_ d: DomainSnapshot, _ change: (inout DomainRecord) -> Void) throws(LibxlError) {
        guard var r = record(for: d) else { return }
        change(&r)
        try store(r, domid: d.domid)
    }

    /// The ``XenopsBackend/DomainInfo`` of a domain. Runs on a worker thread.
    func info(for d: DomainSnapshot) -> DomainInfo {
        let record = record(for: d)
        var target: UInt64 = 0
        if libxl_get_memory_target(ctx.raw, d.domid, &target) == 0 {
            // libxl stores the target without the video RAM it subtracted when setting it.
            target += xenstore.read("/local/domain/\(d.domid)/memory/videoram").flatMap { UInt64($0) } ?? 0
        } else {
            target = d.currentKiB
        }
        let type = record?.type ?? d.type
        var consoles: [Console] = []
        if d.domid != 0, !d.dying {
            let consoleType = type == .hvm ? LIBXL_CONSOLE_TYPE_SERIAL : LIBXL_CONSOLE_TYPE_PV
            var path: UnsafeMutablePointer<CChar>?
            if libxl_console_get_tty(ctx.raw, d.domid, 0, consoleType, &path) == 0, let path {
                consoles.append(Console(protocol: .vt100, port: 0, path: String(cString: path)))
                free(path)
            }
            if let port = xenstore.read("/local/domain/\(d.domid)/console/vnc-port").flatMap({ Int($0) }) {
                consoles.append(Console(protocol: .rfb, port: port, path: ""))
            }
        }
        LibxlError.clearThreadMessage()  // the console lookups may log errors nobody asked about
        return DomainInfo(
            domid: Int(d.domid), uuid: d.uuid, name: Self.name(ctx, d.domid) ?? "",
            state: d.runState, domainType: type,
            memoryActual: Int64(d.currentKiB) * 1024, memoryTarget: Int64(target) * 1024, memoryMax: Int64(d.maxKiB) * 1024,
            vcpusOnline: Int(d.vcpuOnline), vcpusMax: Int(d.vcpuMaxID) + 1,
            startTime: record?.createdAt ?? startTime(uuid: d.uuid),
            consoles: consoles, devices: record?.devices ?? DomainDevices(),
            creator: record != nil ? Self.managedCreator : creator(of: d.domid))
    }

    /// Who created a domain we did not: from the userdata xl and libvirt leave.
    func creator(of domid: UInt32) -> String? {
        if domid == 0 { return nil }
        if Self.userdata(ctx, domid, "xl") != nil { return "xl" }
        if Self.userdata(ctx, domid, "libvirt-xml") != nil { return "libvirt" }
        return nil
    }

    /// libxl writes `/vm/<uuid>/start_time` when it creates a domain.
    func startTime(uuid: String) -> Double {
        xenstore.read("/vm/\(uuid)/start_time").flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? 0
    }

    /// A libxl domain name for a VM: its name, unless another domain has it (libxl names are
    /// unique per host), then the name plus the start of the uuid.
    func uniqueName(for vm: VM) async throws -> String {
        let ctx = self.ctx
        let taken = try await call("createDomain", vm: vm.id) {
            try Self.listDomains(ctx).compactMap { Self.name(ctx, $0.domid) }
        }
        let base = vm.name.isEmpty ? "vm" : vm.name
        return Set(taken).contains(base) ? "\(base)-\(vm.id.prefix(8))" : base
    }

    // MARK: - Host

    /// libxl's physinfo and version, libxenguest's five featuresets (as xenopsd-xc reads them)
    /// and dom0's `/proc/cpuinfo`.
    public func hostInfo() async throws -> HostInfo {
        let ctx = self.ctx, xenctrl = self.xenctrl
        let facts = try await call("hostInfo") {
            let p = try Self.physinfo(ctx)
            guard let v = libxl_get_version_info(ctx.raw) else {
                throw LibxlError(function: "libxl_get_version_info", rc: LibxlErrorCode.fail.rawValue, detail: "no version information")
            }
            let f = HostFeaturesets(
                host: try xenctrl.featureset(Int32(XCG_FEATURESET_HOST)),
                pvDefault: try xenctrl.featureset(Int32(XCG_FEATURESET_PV)),
                hvmDefault: try xenctrl.featureset(Int32(XCG_FEATURESET_HVM)),
                pvMax: try xenctrl.featureset(Int32(XCG_FEATURESET_PV_MAX)),
                hvmMax: try xenctrl.featureset(Int32(XCG_FEATURESET_HVM_MAX)))
            return HostFacts(physinfo: p, featuresets: f, version: v.pointee, cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
        }
        do { try facts.featuresets.checkDefaultsWithinMax() } catch { throw BackendError.xenops(error) }
        return facts.hostInfo
    }

    public func totalMemoryMiB() async throws -> Int64 {
        let ctx = self.ctx
        return try await call("totalMemoryMiB") {
            let p = try Self.physinfo(ctx)
            return (Int64(p.totalPages) * Int64(Self.pageSize(ctx))) >> 20
        }
    }

    public func freeMemoryBytes() async throws -> Int64 {
        let ctx = self.ctx
        return try await call("freeMemoryBytes") {
            var kib: UInt64 = 0
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_get_free_memory(ctx.raw, &kib), "libxl_get_free_memory")
            return Int64(kib) * 1024
        }
    }

    public func consoleData() async throws -> String {
        let ctx = self.ctx
        return try await call("consoleData") {
            LibxlError.clearThreadMessage()
            let reader = try LibxlError.checkPointer(libxl_xen_console_read_start(ctx.raw, 0), "libxl_xen_console_read_start")
            defer { libxl_xen_console_read_finish(ctx.raw, reader) }
            var text = ""
            while true {
                var line: UnsafeMutablePointer<CChar>?
                let rc = libxl_xen_console_read_line(ctx.raw, reader, &line)
                if rc < 0 { try LibxlError.check(rc, "libxl_xen_console_read_line") }
                guard rc > 0, let line else { break }
                text += String(cString: line)
            }
            return text
        }
    }

    /// The facts of `libxl_get_physinfo`. Runs on a worker thread.
    static func physinfo(_ ctx: LibxlContextPointer) throws(LibxlError) -> PhysInfo {
        var p = libxl_physinfo()
        libxl_physinfo_init(&p)
        defer { libxl_physinfo_dispose(&p) }
        LibxlError.clearThreadMessage()
        try LibxlError.check(libxl_get_physinfo(ctx.raw, &p), "libxl_get_physinfo")
        return PhysInfo(p)
    }

    static func pageSize(_ ctx: LibxlContextPointer) -> Int {
        guard let v = libxl_get_version_info(ctx.raw), v.pointee.pagesize > 0 else { return 4096 }
        return Int(v.pointee.pagesize)
    }
}

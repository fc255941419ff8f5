import CXenLight
import Glibc
import XenopsBackend
import XenopsCore

/// The fields of a `libxl_dominfo` the backend uses, copied out of libxl's list.
struct DomainSnapshot: Sendable, Hashable {
    var domid: UInt32
    var uuid: String
    var running: Bool
    var paused: Bool
    var shutdown: Bool
    var dying: Bool
    var shutdownReason: ShutdownReason
    var currentKiB: UInt64
    var maxKiB: UInt64
    var vcpuMaxID: UInt32
    var vcpuOnline: UInt32
    var type: DomainType

    init(_ i: libxl_dominfo) {
        domid = i.domid
        uuid = LibxlUUID.string(i.uuid)
        running = i.running
        paused = i.paused
        shutdown = i.shutdown
        dying = i.dying
        shutdownReason = ShutdownReason(libxl: i.shutdown_reason.rawValue)
        currentKiB = i.current_memkb
        maxKiB = i.max_memkb
        vcpuMaxID = i.vcpu_max_id
        vcpuOnline = i.vcpu_online
        switch i.domain_type {
        case LIBXL_DOMAIN_TYPE_HVM: type = .hvm
        case LIBXL_DOMAIN_TYPE_PV: type = .pv
        case LIBXL_DOMAIN_TYPE_PVH: type = .pvh
        default: type = .undefined
        }
    }

    /// The run state as the ``XenopsBackend/Hypervisor`` API reports it.
    var runState: DomainRunState {
        if dying { return .dying }
        if shutdown { return .shutdown(shutdownReason) }
        if paused { return .paused }
        return .running
    }
}

extension LibxlHypervisor {
    /// Every domain (`libxl_list_domain`). Runs on a worker thread.
    static func listDomains(_ ctx: LibxlContextPointer) throws(LibxlError) -> [DomainSnapshot] {
        var count: Int32 = 0
        LibxlError.clearThreadMessage()
        let list = try LibxlError.checkPointer(libxl_list_domain(ctx.raw, &count), "libxl_list_domain")
        defer { libxl_dominfo_list_free(list, count) }
        return (0..<Int(count)).map { DomainSnapshot(list[$0]) }
    }

    /// The domain of `vm`: a live one if there is one, else a dying one, else nil.
    static func find(_ vm: String, in domains: [DomainSnapshot]) -> DomainSnapshot? {
        let matching = domains.filter { $0.uuid == vm.lowercased() }
        return matching.first { !$0.dying } ?? matching.first
    }

    /// The domain name (`libxl_domid_to_name`), or nil.
    static func name(_ ctx: LibxlContextPointer, _ domid: UInt32) -> String? {
        guard let p = libxl_domid_to_name(ctx.raw, domid) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Userdata stored under `userid`, or nil if there is none.
    static func userdata(_ ctx: LibxlContextPointer, _ domid: UInt32, _ userid: String) -> [UInt8]? {
        var data: UnsafeMutablePointer<UInt8>?
        var length: Int32 = 0
        guard libxl_userdata_retrieve(ctx.raw, domid, userid, &data, &length) == 0, let data else { return nil }
        defer { free(data) }
        guard length > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: Int(length)))
    }
}

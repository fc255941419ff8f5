import Glibc
import Logging
import Synchronization
import XenCtrlGlue
import XenGlue
import XenopsCore

/// The process's libxenctrl handle (`xc_interface *`), for what libxl has no API for: the CPU
/// featuresets of `HOST.stat`, xenopsd's featureset combine/compatibility calls and the shadow
/// allocation of a running domain. Freed by
/// ``close()`` (or deinit).
///
/// Every call blocks (a hypercall): make them on the ``BlockingPool``. Failures are
/// ``LibxlError``s naming the libxc function, with errno and libxc's own logged message, as
/// the ``Xenstore`` wrapper reports its calls.
final class XenCtrl: @unchecked Sendable {  // @unchecked: the handle is immutable; libxc serialises its hypercall-buffer cache itself, and closing is guarded
    private let handle: UnsafeMutableRawPointer
    /// libxc logs here (its messages reach swift-log and ``LibxlError``'s detail).
    private let logger: LibxlLogger
    private let closed = Mutex(false)

    /// Opens the handle.
    ///
    /// - Throws: ``LibxlError`` naming `xc_interface_open` when Xen is not usable here.
    init(logger: Logger) throws(LibxlError) {
        let libxcLogger = LibxlLogger(logger: logger)
        LibxlError.clearThreadMessage()
        guard let h = xcg_open(libxcLogger.raw) else {
            throw XenCtrl.failure("xc_interface_open", remedy: "Run the daemon as root in dom0 of a Xen host (/dev/xen/privcmd must exist).")
        }
        handle = h
        self.logger = libxcLogger
    }

    deinit { close() }

    /// Closes the handle. Idempotent; later calls fail.
    func close() {
        let wasOpen = closed.withLock { c -> Bool in
            defer { c = true }
            return !c
        }
        if wasOpen { xcg_close(handle) }
    }

    /// Reads one featureset (`xc_get_cpu_featureset`, an `XCG_FEATURESET_*` index). Runs on a
    /// worker thread.
    func featureset(_ index: Int32) throws(LibxlError) -> CPUFeatureset {
        try checkOpen("xc_get_cpu_featureset")
        var nr = xcg_featureset_size()
        var words = [UInt32](repeating: 0, count: Int(max(nr, 1)))
        LibxlError.clearThreadMessage()
        let rc = words.withUnsafeMutableBufferPointer { xcg_get_featureset(handle, UInt32(index), &nr, $0.baseAddress) }
        if rc != 0 { throw Self.failure("xc_get_cpu_featureset", context: "featureset index \(index)") }
        return CPUFeatureset(words: Array(words.prefix(Int(nr))))
    }

    /// The shadow (p2m) allocation of domain `domid` in MiB (`xc_shadow_control`): read, or set
    /// to `setMiB` first when given. Runs on a worker thread.
    func shadowAllocation(domid: UInt32, setMiB: UInt32? = nil) throws(LibxlError) -> UInt32 {
        try checkOpen("xc_shadow_control")
        var mib = setMiB ?? 0
        LibxlError.clearThreadMessage()
        let verb = setMiB.map { "set the shadow allocation of domain \(domid) to \($0) MiB" } ?? "read the shadow allocation of domain \(domid)"
        guard xcg_shadow_allocation(handle, domid, &mib, setMiB == nil ? 0 : 1) == 0 else {
            throw Self.failure("xc_shadow_control", context: "cannot \(verb)", remedy: "The daemon must run as root in dom0; check `xl dmesg` for Xen's reason.")
        }
        return mib
    }

    /// Throws unless the handle is open.
    private func checkOpen(_ function: String) throws(LibxlError) {
        if closed.withLock({ $0 }) {
            throw LibxlError(function: function, rc: LibxlErrorCode.fail.rawValue, detail: "the libxenctrl handle is closed", remedy: "The backend is closing; retry after the daemon restarts.")
        }
    }

    /// The error for a failed libxc call: errno now and libxc's last logged message on this thread.
    static func failure(_ function: String, context: String = "", remedy: String? = nil) -> LibxlError {
        let savedErrno = Glibc.errno
        let message = String(cString: xg_last_error())
        xg_last_error_clear()
        let detail = [context, message].filter { !$0.isEmpty }.joined(separator: ": ")
        return LibxlError(function: function, rc: LibxlErrorCode.fail.rawValue, errno: savedErrno, detail: detail, remedy: remedy)
    }
}

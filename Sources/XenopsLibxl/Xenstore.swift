import CXenLight
import Glibc

/// A xenstore connection (libxenstore), for what libxl has no API for: the guest's
/// acknowledgement of a shutdown request (`control/shutdown`), `vm-data` writes, VNC ports.
///
/// Calls block (a round trip to xenstored): make them on the ``BlockingPool``.
final class Xenstore: @unchecked Sendable {  // @unchecked: a xs_handle opened without flags is thread-safe (libxenstore serialises requests)
    private let handle: OpaquePointer

    /// Opens a connection to xenstored.
    ///
    /// - Throws: ``LibxlError`` naming `xs_open` when xenstore is not reachable.
    init() throws(LibxlError) {
        guard let h = xs_open(0) else {
            throw LibxlError(function: "xs_open", rc: LibxlErrorCode.fail.rawValue, errno: Glibc.errno,
                             detail: "cannot connect to xenstore",
                             remedy: "Start xenstored (the xencommons service) and run the daemon as root in dom0.")
        }
        handle = h
    }

    deinit { xs_close(handle) }

    /// The value at `path`, or nil if it does not exist.
    func read(_ path: String) -> String? {
        var length: UInt32 = 0
        guard let p = xs_read(handle, 0, path, &length) else { return nil }
        defer { free(p) }
        let bytes = UnsafeRawBufferPointer(start: p, count: Int(length))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `value` at `path` (creating parents).
    func write(_ path: String, _ value: String) throws(LibxlError) {
        let ok = value.withCString { v in xs_write(handle, 0, path, v, UInt32(strlen(v))) }
        guard ok else {
            throw LibxlError(function: "xs_write", rc: LibxlErrorCode.fail.rawValue, errno: Glibc.errno,
                             detail: "cannot write \(path)", remedy: "Check that xenstored is running and the domain still exists.")
        }
    }

    /// Removes `path` and everything under it; a missing path is not an error.
    func remove(_ path: String) {
        _ = xs_rm(handle, 0, path)
    }
}

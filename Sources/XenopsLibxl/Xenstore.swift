import CXenLight
import Glibc
import XenopsBackend

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
        guard ok else { throw Self.failure("xs_write", "cannot write \(path)") }
    }

    /// Removes `path` and everything under it; a missing path is not an error.
    func remove(_ path: String) {
        _ = xs_rm(handle, 0, path)
    }

    /// The children of `path`, or nil if it does not exist.
    func directory(_ path: String) -> [String]? {
        var count: UInt32 = 0
        guard let list = xs_directory(handle, 0, path, &count) else { return nil }
        defer { free(list) }  // one allocation holds the array and the strings
        return (0..<Int(count)).compactMap { list[$0].map { String(cString: $0) } }
    }

    /// Applies `edits` in one xenstore transaction, retried while xenstored reports a conflict
    /// (`EAGAIN`). With `readableByAll`, every written node is owned by dom0 and readable by
    /// every domain (xenopsd's `{owner = 0; other = READ}`).
    func apply(_ edits: [XenstoreEdit], readableByAll: Bool = false) throws(LibxlError) {
        for _ in 0..<Self.transactionAttempts {
            let t = xs_transaction_start(handle)
            guard t != 0 else { throw Self.failure("xs_transaction_start", "cannot start a transaction") }
            do throws(LibxlError) {
                for edit in edits {
                    switch edit {
                    case .write(let path, let value):
                        let ok = value.withCString { v in xs_write(handle, t, path, v, UInt32(strlen(v))) }
                        guard ok else { throw Self.failure("xs_write", "cannot write \(path)") }
                        if readableByAll {
                            var perm = xs_permissions(id: 0, perms: UInt32(XS_PERM_READ))
                            guard xs_set_permissions(handle, t, path, &perm, 1) else { throw Self.failure("xs_set_permissions", "cannot make \(path) readable") }
                        }
                    case .remove(let path):
                        // ENOENT: already gone, which is what was asked.
                        if !xs_rm(handle, t, path), Glibc.errno != ENOENT { throw Self.failure("xs_rm", "cannot remove \(path)") }
                    }
                }
            } catch {
                _ = xs_transaction_end(handle, t, true)
                throw error
            }
            if xs_transaction_end(handle, t, false) { return }
            guard Glibc.errno == EAGAIN else { throw Self.failure("xs_transaction_end", "cannot commit \(edits.count) change(s)") }
        }
        throw LibxlError(function: "xs_transaction_end", rc: LibxlErrorCode.fail.rawValue, errno: EAGAIN,
                         detail: "the transaction conflicted \(Self.transactionAttempts) times in a row",
                         remedy: "Another process is rewriting the same keys; retry the operation.")
    }

    static let transactionAttempts = 16

    /// The one checker for libxenstore failures: a ``LibxlError`` naming the call, with errno.
    static func failure(_ function: String, _ detail: String) -> LibxlError {
        LibxlError(function: function, rc: LibxlErrorCode.fail.rawValue, errno: Glibc.errno, detail: detail,
                   remedy: "Check that xenstored is running, the daemon runs as root in dom0 and the domain still exists.")
    }
}

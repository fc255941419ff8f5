#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The file-system side of the listening socket: its directory, a stale file left by a
/// daemon that died, another daemon still listening, and removing the file on shutdown.
enum UnixSocketFile {
    /// The device and inode of a socket file, so that shutdown removes only the file this
    /// process created (never one a newer daemon has since put in its place).
    struct Identity: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
    }

    /// The longest path a `sockaddr_un` holds, without the terminating NUL.
    static var maxPathBytes: Int { MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1 }

    /// Makes `path` ready to bind: checks its length, creates its directory (0755), checks
    /// that the directory is writable, refuses a path where another process is listening or
    /// that is not a socket, and removes a stale socket file.
    static func prepare(_ path: String) throws(ServerError) {
        guard !path.isEmpty else {
            throw ServerError(.invalidSocketPath, reason: "the socket path is empty", remedy: "Pass --socket PATH, e.g. \(RPCServerConfiguration.defaultSocketPath).")
        }
        guard path.utf8.count <= maxPathBytes else {
            throw ServerError(
                .invalidSocketPath,
                reason: "the socket path \(path) is \(path.utf8.count) bytes long; a Unix socket path holds at most \(maxPathBytes)",
                remedy: "Pass a shorter --socket PATH.")
        }
        let directory = (path as NSString).deletingLastPathComponent
        try createDirectory(directory.isEmpty ? "." : directory)
        try checkNotInUse(path)
        if unlink(path) != 0, errno != ENOENT {
            let reason = String(cString: strerror(errno))
            throw ServerError(
                .socketDirectoryNotWritable,
                reason: "cannot remove the stale socket file \(path): \(reason)",
                remedy: "Remove it by hand or run xenopsd as a user that may write to \(directory).")
        }
    }

    /// Throws ``ServerError/Code/socketInUse`` if a process accepts connections on `path`, and
    /// ``ServerError/Code/invalidSocketPath`` if `path` exists and is not a socket.
    static func checkNotInUse(_ path: String) throws(ServerError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw ServerError(
                .invalidSocketPath,
                reason: "\(path) exists and is not a socket; refusing to replace it",
                remedy: "Move the file away, or pass another --socket PATH.")
        }
        if isAcceptingConnections(path) {
            throw ServerError(
                .socketInUse,
                reason: "another xenopsd is already listening on \(path)",
                remedy: "Stop it first (systemctl stop xenopsd-ng, or kill its pid), or pass another --socket PATH and --state-dir.")
        }
    }

    /// Whether a process accepts connections on the socket at `path`.
    static func isAcceptingConnections(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, socketStream, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withAddress(path) { address, length in connect(fd, address, length) == 0 } ?? false
    }

    /// Restricts the socket to its owner (mode 0600).
    static func restrict(_ path: String) throws(ServerError) {
        guard chmod(path, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ServerError(.bindFailed, reason: "cannot make the socket \(path) private (chmod 0600): \(reason)", remedy: "Check the file system holding \(path).")
        }
    }

    /// Moves a socket bound under a temporary name onto its final path (atomically replacing
    /// whatever is there), so that clients never see it with looser permissions.
    static func rename(_ from: String, to: String) throws(ServerError) {
        guard Foundation.rename(from, to) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ServerError(.bindFailed, reason: "cannot move the socket \(from) to \(to): \(reason)", remedy: "Check the directory holding \(to).")
        }
    }

    /// The identity of the file at `path`, or `nil` if there is none.
    static func identity(_ path: String) -> Identity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Removes the socket file at `path` if it is still the one identified by `identity`.
    static func remove(_ path: String, ifStill identity: Identity?) {
        guard let identity, Self.identity(path) == identity else { return }
        unlink(path)
    }

    private static func createDirectory(_ directory: String) throws(ServerError) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            } catch {
                throw ServerError(
                    .socketDirectoryNotWritable,
                    reason: "cannot create the socket directory \(directory): \(Self.describe(error))",
                    remedy: "Run xenopsd as root, create the directory for this user, or pass --socket with a path in a writable directory.")
            }
        } else if !isDirectory.boolValue {
            throw ServerError(
                .socketDirectoryNotWritable,
                reason: "the socket directory \(directory) exists and is not a directory",
                remedy: "Pass --socket with a path in a directory.")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw ServerError(
                .socketDirectoryNotWritable,
                reason: "the socket directory \(directory) is not writable by this user",
                remedy: "Run xenopsd as root, fix the directory's owner or mode, or pass --socket with a path in a writable directory.")
        }
    }

    private static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }

    private static var socketStream: Int32 {
        #if canImport(Glibc) || canImport(Musl)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    /// Calls `body` with a `sockaddr_un` for `path`; `nil` if the path does not fit.
    static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count <= maxPathBytes else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}

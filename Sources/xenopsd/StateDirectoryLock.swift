#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An exclusive lock on the state directory (`<state-dir>/xenopsd.lock`, `flock`), so that two
/// daemons given different sockets can never drive the same store and domains. The kernel
/// drops the lock when the process dies, even by SIGKILL, so a crash never leaves it stale.
struct StateDirectoryLock {
    static let fileName = "xenopsd.lock"
    private let fd: Int32

    /// Creates the directory (0700) if needed and takes the lock.
    init(directory: String) throws(StartupError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw StartupError(.store, "cannot create the state directory \(directory): \((error as NSError).localizedDescription)", remedy: "Run xenopsd as root, or pass --state-dir with a writable directory.")
        }
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StartupError(.store, "cannot open \(path): \(String(cString: strerror(errno)))", remedy: "Check the owner and mode of the state directory \(directory).")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            close(fd)
            if busy {
                throw StartupError(.store, "another xenopsd is using the state directory \(directory)", remedy: "Stop it first, or pass another --state-dir.")
            }
            throw StartupError(.store, "cannot lock \(path): \(String(cString: strerror(errno)))", remedy: "Check the file system holding \(directory).")
        }
        self.fd = fd
    }

    /// Releases the lock (it is also released when the process exits).
    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

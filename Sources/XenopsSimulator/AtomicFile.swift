import Foundation
import Glibc

/// Durable whole-file replacement with plain POSIX calls.
enum AtomicFile {
    /// Writes `data` to a temporary file next to `path`, fsyncs it, renames it over `path`
    /// and fsyncs the directory, so readers see the old or the new content, never a mix.
    static func write(_ data: Data, to path: String) throws(SimulatorStateError) {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        if !FileManager.default.fileExists(atPath: dir) {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw .unwritable(path: path, reason: "cannot create \(dir): \(error)")
            }
        }
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unwritable(path: path, reason: "open \(temporary): \(errnoText())") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        let written = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += n
            }
            return true
        }
        if !written {
            let reason = errnoText()
            close(fd)
            throw .unwritable(path: path, reason: "write \(temporary): \(reason)")
        }
        if fsync(fd) != 0 {
            let reason = errnoText()
            close(fd)
            throw .unwritable(path: path, reason: "fsync \(temporary): \(reason)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw .unwritable(path: path, reason: "rename to \(path): \(errnoText())") }
        ok = true
        // The rename is durable only once the directory entry is.
        let dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            close(dirfd)
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

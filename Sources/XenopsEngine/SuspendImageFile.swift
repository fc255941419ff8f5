import Foundation
import XenopsCore

#if canImport(Glibc)
import Glibc
#endif

/// A suspend image file in dom0, owned for the length of one save or restore.
///
/// Created with mode 0600 (it holds guest memory) and `O_CLOEXEC` (libxl forks helpers); a
/// save that fails removes its partial file so that it can never be resumed from.
final class SuspendImageFile {
    let descriptor: Int32
    let path: String
    private var closed = false

    /// Creates (or truncates) the image for writing.
    init(creating path: String) throws(XenopsError) {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
            throw .internalError("VM.suspend: the directory \(dir) does not exist; create it or choose another image path")
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .internalError("VM.suspend: cannot create the suspend image \(path): \(String(cString: strerror(errno))); check the path and that dom0 has space")
        }
    }

    /// Opens an existing image for reading.
    init(reading path: String) throws(XenopsError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .internalError("VM.resume: cannot open the suspend image \(path): \(String(cString: strerror(errno))); pass the path VM.suspend wrote")
        }
    }

    /// Makes the image durable before the domain is destroyed.
    func sync() throws(XenopsError) {
        guard fsync(descriptor) == 0 else {
            throw .internalError("VM.suspend: cannot flush the suspend image \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes a partial image after a failed save.
    func discard() {
        closeOnce()
        unlink(path)
    }

    private func closeOnce() {
        if !closed {
            close(descriptor)
            closed = true
        }
    }

    deinit { closeOnce() }
}

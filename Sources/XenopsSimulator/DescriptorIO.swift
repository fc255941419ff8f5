import Foundation
import Glibc
import Synchronization
import XenopsBackend

/// Blocking reads and writes on a caller's file descriptor, run on a thread of its own
/// (``BlockingThread``) so they never block the cooperative pool, and abandoned within ~100 ms
/// when the calling task is cancelled (the thread waits with `poll` and checks a flag between
/// waits).
enum DescriptorIO {
    typealias CancelFlag = BlockingThread.CancelFlag

    /// Waits until `fd` is ready for `events`, checking `flag` every 100 ms.
    /// Returns the `revents` seen.
    static func waitReady(_ fd: Int32, for events: Int32, flag: CancelFlag) throws(SaveImageError) -> Int32 {
        // poll ignores negative descriptors (it would wait forever); closed ones give POLLNVAL.
        guard fd >= 0 else { throw .io("\(fd) is not a valid file descriptor") }
        var p = pollfd(fd: fd, events: Int16(events), revents: 0)
        while true {
            if flag.isCancelled { throw .cancelled }
            let n = poll(&p, 1, 100)
            if n > 0 {
                if Int32(p.revents) & POLLNVAL != 0 { throw .io("file descriptor \(fd) is not open") }
                return Int32(p.revents)
            }
            if n < 0 && errno != EINTR { throw .io("poll on file descriptor \(fd) failed: \(AtomicFile.errnoText())") }
        }
    }

    /// Writes every byte of `bytes` to `fd`.
    static func writeAll(_ bytes: [UInt8], to fd: Int32, flag: CancelFlag) throws(SaveImageError) {
        var offset = 0
        while offset < bytes.count {
            let revents = try waitReady(fd, for: POLLOUT, flag: flag)
            if revents & POLLERR != 0 || (revents & POLLHUP != 0 && revents & POLLOUT == 0) {
                throw .io("the reader of file descriptor \(fd) has closed it")
            }
            // POLLOUT on a pipe guarantees PIPE_BUF bytes of room, so this chunk never blocks; on
            // a socket MSG_DONTWAIT keeps a full send buffer from blocking (and from ignoring
            // cancellation) without changing the caller's descriptor flags.
            let chunk = min(bytes.count - offset, Int(PIPE_BUF))
            let n = bytes.withUnsafeBytes { raw -> Int in
                let start = raw.baseAddress! + offset
                let sent = send(fd, start, chunk, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
                if sent < 0 && errno == ENOTSOCK { return Glibc.write(fd, start, chunk) }
                return sent
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .io("write to file descriptor \(fd) failed: \(AtomicFile.errnoText())")
            }
            offset += n
        }
    }

    /// A ``ByteSource`` reading a descriptor exactly as far as asked (never past the image).
    struct Reader: ByteSource {
        let fd: Int32
        let flag: CancelFlag

        mutating func read(exactly count: Int, what: String) throws(SaveImageError) -> [UInt8] {
            var out = [UInt8](repeating: 0, count: count)
            var offset = 0
            while offset < count {
                _ = try DescriptorIO.waitReady(fd, for: POLLIN, flag: flag)
                let n = out.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress! + offset, count - offset) }
                if n == 0 { throw .truncated(what: what) }
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw .io("read from file descriptor \(fd) failed: \(AtomicFile.errnoText())")
                }
                offset += n
            }
            return out
        }
    }
}

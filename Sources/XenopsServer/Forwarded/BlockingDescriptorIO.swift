#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSocketGlue
import Foundation
import Synchronization
import XenopsBackend

/// Blocking socket calls for the forwarded socket, each run on a thread of its own so they
/// never block an event loop or the cooperative pool. Waits use `poll` with a short timeout
/// and give up soon after the calling Swift task is cancelled.
enum BlockingDescriptorIO {
    typealias CancelFlag = BlockingThread.CancelFlag

    /// Waits until `fd` is ready for `events` (or hung up / in error), or `deadline` passes.
    /// - Returns: the `revents` seen, or nil at the deadline.
    static func wait(_ fd: Int32, for events: Int32, flag: CancelFlag, deadline: ContinuousClock.Instant? = nil) throws -> Int32? {
        var p = pollfd(fd: fd, events: Int16(events), revents: 0)
        while true {
            if flag.isCancelled { throw CancellationError() }
            if let deadline, ContinuousClock.now >= deadline { return nil }
            let n = poll(&p, 1, 100)
            if n > 0 {
                if Int32(p.revents) & POLLNVAL != 0 { throw DescriptorIOError("descriptor \(fd) is not open") }
                return Int32(p.revents)
            }
            if n < 0, errno != EINTR { throw DescriptorIOError("poll on descriptor \(fd) failed: \(errnoText())") }
        }
    }

    /// Reads exactly `count` bytes; throws if the peer closes first.
    static func read(_ fd: Int32, exactly count: Int, flag: CancelFlag) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            _ = try wait(fd, for: POLLIN, flag: flag)
            let n = out.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress! + offset, count - offset, Int32(MSG_DONTWAIT)) }
            if n == 0 { throw DescriptorIOError("the peer closed the connection after \(offset) of \(count) bytes") }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                throw DescriptorIOError("read from descriptor \(fd) failed: \(errnoText())")
            }
            offset += n
        }
        return out
    }

    /// Writes every byte (without SIGPIPE, without blocking past cancellation).
    static func write(_ fd: Int32, _ bytes: [UInt8], flag: CancelFlag) throws {
        var offset = 0
        while offset < bytes.count {
            let revents = try wait(fd, for: POLLOUT, flag: flag) ?? 0
            if revents & POLLERR != 0 || (revents & POLLHUP != 0 && revents & POLLOUT == 0) {
                throw DescriptorIOError("the peer of descriptor \(fd) has closed the connection")
            }
            let n = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, bytes.count - offset, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK { continue }
                throw DescriptorIOError("write to descriptor \(fd) failed: \(errnoText())")
            }
            offset += n
        }
    }

    /// One `recvmsg` that may carry descriptors (SCM_RIGHTS), received close-on-exec.
    /// - Returns: the bytes (empty at end of stream), every descriptor that came with them
    ///   (at most 8; more are closed) and whether some were dropped.
    static func receiveWithDescriptors(_ fd: Int32, maxBytes: Int) throws -> (bytes: [UInt8], descriptors: [Int32], truncatedControl: Bool) {
        var data = [UInt8](repeating: 0, count: maxBytes)
        var fds = [Int32](repeating: -1, count: 8)
        var count: Int32 = 0
        var truncated: Int32 = 0
        let n = data.withUnsafeMutableBytes { raw in
            fds.withUnsafeMutableBufferPointer { out in
                xenops_recv_with_fds(fd, raw.baseAddress, maxBytes, out.baseAddress, Int32(out.count), &count, &truncated)
            }
        }
        guard n >= 0 else { throw DescriptorIOError("recvmsg on the forwarded socket failed: \(errnoText())") }
        return (Array(data.prefix(n)), Array(fds.prefix(Int(count))), truncated != 0)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A failed socket call, in words.
struct DescriptorIOError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

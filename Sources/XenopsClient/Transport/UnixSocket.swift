import Glibc

/// A connected `AF_UNIX` stream socket with blocking, deadline-bounded reads and writes.
///
/// Not thread-safe: one thread uses it at a time (``HTTPConnection`` runs it on its own
/// dispatch queue). ``shutdownDescriptor()`` is the exception: `shutdown(2)` may be called
/// from any thread to wake a blocked reader.
final class UnixSocket {
    let fd: Int32
    private var isClosed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit { close() }

    /// Connects to the socket at `path`, waiting at most `timeout` when the listener's
    /// backlog is full.
    static func connect(path: String, timeout: Duration) throws(SocketError) -> UnixSocket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw .pathTooLong(path) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .create(errno: errno) }
        let sock = UnixSocket(fd: fd)
        // A Unix-socket connect only blocks when the listener's backlog is full; SO_SNDTIMEO bounds that wait.
        var tv = timeval(duration: timeout)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let code = errno
            if code == EAGAIN || code == EINPROGRESS { throw .timedOut }
            throw .connect(path: path, errno: code)
        }
        var zero = timeval()
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, socklen_t(MemoryLayout<timeval>.size))
        return sock
    }

    /// Creates a connected pair (for tests of the HTTP layer without a listener).
    static func pair() throws(SocketError) -> (UnixSocket, UnixSocket) {
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw .create(errno: errno)
        }
        return (UnixSocket(fd: fds[0]), UnixSocket(fd: fds[1]))
    }

    /// Writes all of `bytes`, or throws.
    func writeAll(_ bytes: [UInt8], deadline: ContinuousClock.Instant?) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), deadline: deadline)
            let n = bytes.withUnsafeBytes { raw in
                // MSG_NOSIGNAL: a peer that has gone away gives EPIPE instead of killing the process.
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if n < 0 {
                let code = errno
                if code == EINTR || code == EAGAIN { continue }
                throw .io(errno: code)
            }
            offset += n
        }
    }

    /// Reads what is available (at most `maxCount` bytes), waiting until `deadline`.
    /// Returns an empty array at end of stream.
    func read(maxCount: Int = 65536, deadline: ContinuousClock.Instant?) throws(SocketError) -> [UInt8] {
        while true {
            try wait(for: Int16(POLLIN), deadline: deadline)
            var buffer = [UInt8](repeating: 0, count: maxCount)
            let n = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress!, raw.count, Int32(MSG_DONTWAIT)) }
            if n < 0 {
                let code = errno
                if code == EINTR || code == EAGAIN { continue }
                throw .io(errno: code)
            }
            buffer.removeSubrange(n...)
            return buffer
        }
    }

    /// Whether an idle connection has been closed by the peer (or has unexpected data),
    /// checked without blocking. Such a connection must not be reused.
    var isStale: Bool {
        guard !isClosed else { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&p, 1, 0)
        return n != 0
    }

    /// Stops all I/O on the descriptor; a thread blocked in ``read(maxCount:deadline:)`` wakes up.
    func shutdownDescriptor() {
        _ = shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Closes the descriptor (idempotent).
    func close() {
        guard !isClosed else { return }
        isClosed = true
        _ = Glibc.close(fd)
    }

    private func wait(for events: Int16, deadline: ContinuousClock.Instant?) throws(SocketError) {
        var p = pollfd(fd: fd, events: events, revents: 0)
        while true {
            var timeoutMS: Int32 = -1
            if let deadline {
                let left = deadline - .now
                if left <= .zero { throw .timedOut }
                let (seconds, attoseconds) = left.components
                timeoutMS = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            }
            let n = poll(&p, 1, timeoutMS)
            if n > 0 {
                if Int32(p.revents) & POLLNVAL != 0 { throw .aborted }
                return  // ready, or an error/hang-up the following send/recv reports
            }
            if n == 0 { continue }  // the loop re-checks the deadline
            if errno != EINTR { throw .io(errno: errno) }
        }
    }
}

extension timeval {
    init(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A load generator in the style of wrk: a few threads, each driving many keep-alive
/// connections with non-blocking sockets and poll(2), one request in flight per connection.
/// On a 2-core machine shared with the daemon, one thread per connection would spend more CPU
/// on its own wake-ups than the daemon spends on the requests.
enum EventedLoad {
    private final class Conn {
        let fd: Int32
        var inbox: [UInt8] = []
        var sentAt: UInt64 = 0
        var outOffset = 0
        init(fd: Int32) { self.fd = fd }
    }

    /// Runs `connections` connections on `threads` threads for `seconds`, each sending
    /// `request` again as soon as the previous reply is complete. Returns the latencies.
    static func run(socket: String, request: [UInt8], connections: Int, threads: Int, seconds: Double) throws -> (samples: Samples, elapsed: Double) {
        let perThread = (0..<threads).map { t in (0..<connections).filter { $0 % threads == t }.count }
        var fdsByThread: [[Int32]] = []
        for n in perThread {
            var fds: [Int32] = []
            for _ in 0..<n { fds.append(try connectNonBlocking(socket)) }
            fdsByThread.append(fds)
        }
        let all = Shared(Samples())
        let failures = Shared([String]())
        let deadline = nowNanos() + UInt64(seconds * 1e9)
        let started = nowNanos()
        let sharedFDs = fdsByThread
        onThreads(threads) { t in
            do {
                let local = try drive(sharedFDs[t], request: request, deadline: deadline)
                all.with { $0.add(contentsOf: local) }
            } catch {
                failures.with { $0.append("\(error)") }
            }
        }
        let elapsed = Double(nowNanos() - started) / 1e9
        for fds in fdsByThread { for fd in fds { close(fd) } }
        if let first = failures.with({ $0.first }) { throw BenchError("load thread failed: \(first)") }
        return (all.with { $0 }, elapsed)
    }

    private static func connectNonBlocking(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw BenchError("cannot connect to \(path): errno \(errno)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    private static func drive(_ fds: [Int32], request: [UInt8], deadline: UInt64) throws -> Samples {
        var samples = Samples()
        samples.values.reserveCapacity(400_000)
        var conns: [Conn] = []
        var pollfds: [pollfd] = []
        for fd in fds {
            let c = Conn(fd: fd)
            conns.append(c)
            pollfds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            try send(c, request)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var stopping = false
        var done = [Bool](repeating: false, count: conns.count)
        var outstanding = conns.count
        while outstanding > 0 {
            let n = poll(&pollfds, nfds_t(pollfds.count), 1000)
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError("poll failed: errno \(errno)")
            }
            if nowNanos() >= deadline { stopping = true }
            for k in pollfds.indices where pollfds[k].revents != 0 && !done[k] {
                let c = conns[k]
                let got = buffer.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress!, $0.count, 0) }
                if got == 0 { throw BenchError("the daemon closed a connection") }
                if got < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw BenchError("recv failed: errno \(errno)")
                }
                c.inbox.append(contentsOf: buffer[0..<got])
                guard let total = Self.completeLength(c.inbox) else { continue }
                c.inbox.removeFirst(total)
                samples.add(nowNanos() - c.sentAt)
                if stopping {
                    outstanding -= 1
                    done[k] = true
                    pollfds[k].events = 0
                } else {
                    try send(c, request)
                }
            }
        }
        return samples
    }

    private static func send(_ c: Conn, _ request: [UInt8]) throws {
        c.sentAt = nowNanos()
        var offset = 0
        while offset < request.count {
            let n = request.withUnsafeBytes { Glibc.send(c.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { usleep(10); continue }
                throw BenchError("send failed: errno \(errno)")
            }
            offset += n
        }
    }

    private static let contentLength = Array("content-length:".utf8)

    /// The length of the header block (through the blank line) in `data`, or nil.
    static func headerLength(_ data: [UInt8]) -> Int? {
        var i = 0
        while i + 3 < data.count {
            if data[i] == 13, data[i + 1] == 10, data[i + 2] == 13, data[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }

    /// The length of the first complete response (header + body) in `data`, or nil.
    static func completeLength(_ data: [UInt8]) -> Int? {
        let count = data.count
        guard let end = headerLength(data) else { return nil }
        var line = 0
        while line < end {
            var matched = true
            for (k, ch) in contentLength.enumerated() {
                let index = line + k
                guard index < end else { matched = false; break }
                var b = data[index]
                if b >= 65, b <= 90 { b += 32 }
                if b != ch { matched = false; break }
            }
            if matched {
                var j = line + contentLength.count
                while j < end, data[j] == 32 { j += 1 }
                var length = 0
                while j < end, data[j] >= 48, data[j] <= 57 { length = length * 10 + Int(data[j] - 48); j += 1 }
                return count >= end + length ? end + length : nil
            }
            while line < end, data[line] != 10 { line += 1 }
            line += 1
        }
        return nil
    }
}

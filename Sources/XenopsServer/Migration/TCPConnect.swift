#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import XenopsBackend

/// A TCP connect that cannot hang: the name is looked up, each address is tried with a
/// non-blocking `connect` and `poll` until the deadline, and a cancelled task stops the wait.
/// Blocking calls (the lookup); run it on a thread of its own (`BlockingThread.run`).
enum TCPConnect {
    /// A connected, non-blocking, close-on-exec socket with `TCP_NODELAY` (the handshake
    /// frames are two bytes and must not wait for Nagle).
    /// - Throws: ``DescriptorIOError`` saying what failed (lookup, refused, timed out), or
    ///   `CancellationError`.
    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant, flag: BlockingThread.CancelFlag) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw DescriptorIOError("cannot resolve host \"\(host.prefix(80))\": \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(first) }
        var failures: [String] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let entry = next {
            next = entry.pointee.ai_next
            do {
                return try attempt(entry.pointee, deadline: deadline, flag: flag)
            } catch let error as DescriptorIOError {
                failures.append(error.description)
            }
        }
        throw DescriptorIOError(failures.isEmpty ? "no address for host \(host)" : failures.joined(separator: "; "))
    }

    private static func attempt(_ address: addrinfo, deadline: ContinuousClock.Instant, flag: BlockingThread.CancelFlag) throws -> Int32 {
        let fd = socket(address.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
        guard fd >= 0 else { throw DescriptorIOError("socket() failed: \(BlockingDescriptorIO.errnoText())") }
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        let where_ = describe(address)
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) == 0 { return fd }
        guard errno == EINPROGRESS else {
            let why = BlockingDescriptorIO.errnoText()
            _ = close(fd)
            throw DescriptorIOError("connect to \(where_) failed: \(why)")
        }
        do {
            guard try BlockingDescriptorIO.wait(fd, for: POLLOUT, flag: flag, deadline: deadline) != nil else {
                throw DescriptorIOError("connect to \(where_) timed out")
            }
        } catch {
            _ = close(fd)
            throw error
        }
        var soError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
        guard soError == 0 else {
            _ = close(fd)
            throw DescriptorIOError("connect to \(where_) failed: \(String(cString: strerror(soError)))")
        }
        return fd
    }

    /// `address:port` for messages.
    private static func describe(_ address: addrinfo) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        guard getnameinfo(address.ai_addr, address.ai_addrlen, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV) == 0 else {
            return "the host"
        }
        let h = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let s = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return h.contains(":") ? "[\(h)]:\(s)" : "\(h):\(s)"
    }
}

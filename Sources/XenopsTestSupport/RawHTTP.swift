#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A tiny HTTP/1.1 client over a Unix socket that sends exactly the bytes it is given, so a
/// test can speak to the daemon the way XAPI does (or the way a broken client would).
///
/// Its calls block; run them through ``blocking(_:)`` so they never tie up a thread of the
/// Swift concurrency pool that the server may need.
// @unchecked: used by one thread at a time; tests pass it between threads only across awaits.
public final class RawHTTPConnection: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private var fd: Int32
    private var pending: [UInt8] = []

    /// Connects to the socket at `path`; reads time out after `timeout` seconds.
    public init(path: String, timeout: Double = 30) throws {
        fd = socket(AF_UNIX, Self.stream, 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        // Every property is set by now, so a throw runs deinit, which closes the socket:
        // closing it here as well could close a descriptor another thread has just opened.
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw Failure(description: "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            throw Failure(description: "connect(\(path)): \(String(cString: strerror(errno)))")
        }
        setTimeout(timeout)
    }

    deinit { close() }

    /// Changes how long a read may wait.
    public func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Shuts the socket down both ways without closing it: a thread blocked reading it wakes
    /// up with end-of-file (closing it instead could hand its number to another socket).
    public func shutdown() {
        if fd >= 0 { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Sends raw bytes.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send(): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// A complete request: method, path, extra headers and a body with its Content-Length.
    public static func request(_ body: String, method: String = "POST", path: String = "/", headers: [(String, String)] = [("Content-Type", "application/json")]) -> [UInt8] {
        let bodyBytes = Array(body.utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(bodyBytes.count)\r\n\r\n"
        return Array(head.utf8) + bodyBytes
    }

    /// Sends a JSON-RPC document with `POST /` and reads the reply.
    public func post(_ body: String) throws -> RawHTTPResponse {
        try send(Self.request(body))
        return try readResponse()
    }

    /// Reads one response (status line, headers, Content-Length body).
    public func readResponse() throws -> RawHTTPResponse {
        while true {
            if let end = headerEnd() {
                let headText = String(decoding: pending[..<end], as: UTF8.self)
                var lines = headText.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ", maxSplits: 2)
                guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line: \(statusLine)") }
                var headers: [String: String] = [:]
                for line in lines where !line.isEmpty {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                if status / 100 == 1 {  // an interim reply (100 Continue) has no body
                    pending.removeFirst(end + 4)
                    return RawHTTPResponse(status: status, headers: headers, body: [])
                }
                while pending.count < end + 4 + length {
                    guard try fill() else { throw Failure(description: "the connection closed in the middle of a reply body") }
                }
                let body = Array(pending[(end + 4)..<(end + 4 + length)])
                pending.removeFirst(end + 4 + length)
                return RawHTTPResponse(status: status, headers: headers, body: body)
            }
            guard try fill() else { throw Failure(description: "the connection closed before a reply arrived") }
        }
    }

    /// Whether the server closed the connection (EOF) within `seconds`.
    public func closedByPeer(within seconds: Double) -> Bool {
        setTimeout(seconds)
        defer { setTimeout(30) }
        return (try? fill()) == false
    }

    /// Whether a reply is readable right now (waits at most `seconds`).
    public func hasData(within seconds: Double) -> Bool {
        if !pending.isEmpty { return true }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(seconds * 1000)) > 0
    }

    /// Reads more bytes; `false` on EOF.
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var error: Int32 = 0
        let n = buffer.withUnsafeMutableBytes { raw -> Int in
            let n = recv(fd, raw.baseAddress, raw.count, 0)
            error = errno  // read at once: later calls may change it
            return n
        }
        if n == 0 { return false }
        if n < 0 {
            if error == ECONNRESET { return false }
            throw Failure(description: "recv(): \(String(cString: strerror(error)))")
        }
        pending.append(contentsOf: buffer[..<n])
        return true
    }

    private func headerEnd() -> Int? {
        guard pending.count >= 4 else { return nil }
        for i in 0...(pending.count - 4) where pending[i] == 13 && pending[i + 1] == 10 && pending[i + 2] == 13 && pending[i + 3] == 10 {
            return i
        }
        return nil
    }

    private static var stream: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }
}

/// One HTTP reply.
public struct RawHTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Runs blocking socket work on a thread of its own, off the Swift concurrency pool.
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

import Foundation
import Glibc
import Synchronization
import XenopsCore

/// A tiny HTTP/1.1 server on a temporary Unix socket, for testing the client's transport
/// without xenopsd: each request is handed to a closure that decides the reply, down to the
/// raw bytes. One thread accepts; each connection gets a thread of its own.
final class ClientStubServer: Sendable {
    /// One request as received.
    struct Request: Sendable {
        /// Which connection it came on (0, 1, …), and its index on that connection.
        var connection: Int
        var indexOnConnection: Int
        var head: String
        var body: [UInt8]
        var json: JSONValue? { try? JSONValue.parse(body) }
        var method: String? { json?["method"]?.stringValue }
        /// The named parameters (`params[0]`).
        var params: JSONValue? { json?["params"]?.arrayElements?.first }
    }

    /// What to do with a request.
    enum Reply: Sendable {
        /// A 200 response with this JSON-RPC `result` (v1 envelope, Content-Length).
        case result(JSONValue)
        /// A 200 response with this xenops `error`.
        case error(JSONValue)
        /// These bytes, as they are.
        case raw([UInt8])
        /// These bytes, then close the connection.
        case rawThenClose([UInt8])
        /// Close the connection without replying.
        case close
        /// Never reply (until the client gives up or the server stops).
        case hang
    }

    let path: String
    private let directory: String
    private let listenFD: Int32
    private let handler: @Sendable (Request) -> Reply
    private let state = Mutex(State())

    private struct State {
        var requests: [Request] = []
        var connections = 0
        var clientFDs: [Int32] = []
        var stopped = false
    }

    /// Starts listening on a new socket in a temporary directory.
    init(handler: @escaping @Sendable (Request) -> Reply) throws {
        var template = Array("/tmp/xenops-client-test-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw POSIXError(.EIO) }
        directory = String(cString: dir)
        path = directory + "/s.sock"
        self.handler = handler
        // Set up the listener in a local first: a class init that throws once every property is
        // set runs deinit, which must not touch a descriptor closed here.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, rc == 0, listen(fd, 16) == 0 else {
            if fd >= 0 { close(fd) }
            rmdir(directory)
            throw POSIXError(.EADDRINUSE)
        }
        listenFD = fd
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    /// Every request received so far.
    var requests: [Request] { state.withLock { $0.requests } }
    /// The methods of every request so far.
    var methods: [String] { requests.compactMap(\.method) }
    /// How many connections were accepted.
    var connectionCount: Int { state.withLock { $0.connections } }

    /// Stops accepting, closes every connection and removes the socket.
    func stop() {
        // Descriptors are shut down (not closed) under the lock; their owners close them, also
        // under the lock, so a number the kernel has reused for another file is never touched.
        let first = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            s.stopped = true
            for fd in s.clientFDs { shutdown(fd, Int32(SHUT_RDWR)) }
            shutdown(listenFD, Int32(SHUT_RDWR))
            return true
        }
        guard first else { return }
        unlink(path)
        rmdir(directory)
    }

    /// A v1 reply body.
    static func envelope(result: JSONValue = .null, error: JSONValue = .null) -> [UInt8] {
        JSONValue.object([JSONMember("result", result), JSONMember("error", error), JSONMember("id", .int(0))]).serialized()
    }

    /// A complete HTTP response with a Content-Length body.
    static func http(_ body: [UInt8], status: String = "200 OK", extraHeaders: String = "") -> [UInt8] {
        Array("HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\(extraHeaders)\r\n".utf8) + body
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                return
            }
            let index = state.withLock { s -> Int? in
                guard !s.stopped else { return nil }
                s.connections += 1
                s.clientFDs.append(fd)
                return s.connections - 1
            }
            guard let index else {
                close(fd)
                return
            }
            Thread.detachNewThread { [self] in serve(fd, connection: index) }
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        defer {
            state.withLock { s in
                s.clientFDs.removeAll { $0 == fd }
                close(fd)
            }
        }
        var buffer: [UInt8] = []
        var count = 0
        while true {
            guard let request = readRequest(fd, &buffer, connection: connection, index: count) else { return }
            count += 1
            state.withLock { $0.requests.append(request) }
            switch handler(request) {
            case .result(let value): guard writeAll(fd, Self.http(Self.envelope(result: value))) else { return }
            case .error(let value): guard writeAll(fd, Self.http(Self.envelope(error: value))) else { return }
            case .raw(let bytes): guard writeAll(fd, bytes) else { return }
            case .rawThenClose(let bytes):
                _ = writeAll(fd, bytes)
                return
            case .close: return
            case .hang:
                // Wait until the client closes or the server stops.
                var scratch = [UInt8](repeating: 0, count: 512)
                while scratch.withUnsafeMutableBytes({ recv(fd, $0.baseAddress!, $0.count, 0) }) > 0 {}
                return
            }
        }
    }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8], connection: Int, index: Int) -> Request? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while true {
            if headEnd == nil, let range = buffer.firstRange(of: separator) { headEnd = range.upperBound }
            if let end = headEnd {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                if buffer.count >= end + length {
                    let body = Array(buffer[end..<end + length])
                    buffer.removeFirst(end + length)
                    return Request(connection: connection, indexOnConnection: index, head: head, body: body)
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
}

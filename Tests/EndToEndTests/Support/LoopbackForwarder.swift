import Foundation
import Glibc
import Synchronization
import XenopsTestSupport

/// A tiny HTTP server on 127.0.0.1 for the cross-host client tests: it stands in for the
/// destination host's `http://…/services/xenops` by forwarding each request, as is, to the
/// daemon's XML-RPC socket and the reply back (or, `silent`, by never answering). It records
/// the request heads it saw. Connections are served one at a time on one thread.
final class LoopbackForwarder: Sendable {
    enum Mode: Sendable {
        case forward(unixSocket: String)
        case silent
    }

    let port: Int
    private let listener: Int32
    private let mode: Mode
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var heads: [String] = []
        var held: [Int32] = []
    }

    /// The request heads received so far (request line and headers).
    var heads: [String] { state.withLock { $0.heads } }

    init(_ mode: Mode) throws {
        self.mode = mode
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DaemonError("socket(): errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(fd)
            throw DaemonError("cannot listen on 127.0.0.1: errno \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Stops accepting, closes held connections and waits for the thread to end.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
        Glibc.close(listener)
        for fd in state.withLock({ $0.held }) { Glibc.close(fd) }
    }

    private func serve() {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = Self.readRequest(connection) else {
            Glibc.close(connection)
            return
        }
        state.withLock { $0.heads.append(request.head) }
        switch mode {
        case .silent:
            state.withLock { $0.held.append(connection) }  // never answered; closed by stop()
        case .forward(let path):
            var reply: [UInt8]
            do {
                let upstream = try RawHTTPConnection(path: path)
                try upstream.send(request.bytes)
                let response = try upstream.readResponse()
                reply = Array("HTTP/1.1 \(response.status) OK\r\nContent-Length: \(response.body.count)\r\n\r\n".utf8) + response.body
            } catch {
                reply = Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".utf8)
            }
            var offset = 0
            while offset < reply.count {
                let n = reply[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { break }
                offset += n
            }
            Glibc.close(connection)
        }
    }

    /// Reads one request (head and Content-Length body).
    private static func readRequest(_ fd: Int32) -> (head: String, bytes: [UInt8])? {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = headerEnd(bytes) {
                let head = String(decoding: bytes[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                if bytes.count >= end + 4 + length { return (head, Array(bytes[..<(end + 4 + length)])) }
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            bytes.append(contentsOf: buffer[..<n])
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }
}

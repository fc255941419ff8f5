import Foundation
import XenopsCore

#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 keep-alive connection to the daemon's Unix socket, made for
/// load generation: requests are pre-encoded bytes and the reply parser only finds the body.
final class RawConnection: @unchecked Sendable {  // each connection is used by one thread at a time
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var pending: [UInt8] = []

    init(socketPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket() failed: errno \(errno)") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw BenchError("socket path too long") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw BenchError("cannot connect to \(socketPath): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Encodes a JSON-RPC v1 call as a full HTTP request.
    static func request(method: String, params: [JSONMember], id: Int = 0) -> [UInt8] {
        let body = JSONValue.object([
            JSONMember("method", .string(method)),
            JSONMember("params", .array([.object(params)])),
            JSONMember("id", .int(Int64(id))),
        ]).serialized()
        var out = Array("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        out += body
        return out
    }

    /// The same call as XAPI posts it with `use-switch=false`: XML-RPC, named parameters in one
    /// struct, untyped strings, no Content-Type.
    static func xmlRequest(method: String, params: [(String, String)]) -> [UInt8] {
        var xml = "<?xml version=\"1.0\"?><methodCall><methodName>\(method)</methodName><params><param><value><struct>"
        for (name, value) in params { xml += "<member><name>\(name)</name><value>\(value)</value></member>" }
        xml += "</struct></value></param></params></methodCall>"
        let body = Array(xml.utf8)
        var out = Array("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        out += body
        return out
    }

    /// Sends one request and returns the reply body.
    func roundTrip(_ request: [UInt8]) throws -> ArraySlice<UInt8> {
        try request.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw BenchError("send failed: errno \(errno)") }
                sent += n
            }
        }
        return try readResponse()
    }

    private func readResponse() throws -> ArraySlice<UInt8> {
        while true {
            // One framing routine for both load generators (EventedLoad.completeLength).
            if let total = EventedLoad.completeLength(pending) {
                let body = pending[EventedLoad.headerLength(pending)!..<total]
                if pending.count == total {
                    pending.removeAll(keepingCapacity: true)
                    return body
                }
                let rest = Array(pending[total...])
                pending = rest
                return body
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            guard n > 0 else { throw BenchError("connection closed by the daemon") }
            pending.append(contentsOf: buffer[0..<n])
        }
    }

    /// Sends a call and decodes the reply, throwing on a xenops error.
    func call(_ method: String, _ params: [JSONMember]) throws -> JSONValue {
        let body = try roundTrip(Self.request(method: method, params: [JSONMember("debug_info", .string("bench"))] + params))
        let json = try JSONValue.parse(body)
        if let error = json["error"], error != .null { throw BenchError("\(method) failed: \(error.jsonString)") }
        return json["result"] ?? .null
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

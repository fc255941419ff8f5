#if canImport(Glibc)
import Glibc
#endif
import CSocketGlue
import Foundation
import Synchronization
import XenopsCore

/// Plays the destination host's XAPI on loopback for migration tests, exactly as
/// `xapi_services.ml` does it, so two daemons can migrate between them without XAPI:
///
/// - `POST /services/xenops…` (the source's XML-RPC calls): the body is posted on to the
///   destination daemon's socket as XAPI's `Xcp_client.http_rpc` does (`POST /`, no
///   Content-Type) and the reply returned with a content-length;
/// - `PUT /services/xenops/…` (the migration connections): the accepted socket is passed to
///   the destination daemon's `xenopsd.forwarded` socket with `sendmsg(SCM_RIGHTS)`, together
///   with the JSON of XAPI's `Http.Request.t` (path, query, cookies, headers), and this side's
///   copy is closed (`hand_over_connection`); anything else gets a 404.
///
/// A test can step in before a connection is handed over (``Decision``) to cut it or to hold
/// it while it acts. Blocking socket work runs on threads of its own.
public final class LoopbackXAPI: Sendable {
    /// What to do with a request: hand it on, or close the connection without a word (a
    /// network cut, or a destination host that went away).
    public enum Decision: Sendable { case forward, drop }

    /// A request as this stand-in read it.
    public struct Request: Sendable, Hashable {
        public var method: String
        /// The path without the query.
        public var path: String
        public var query: [String: String]
        public var cookies: [String: String]
        public var headers: [String: String]
    }

    /// The loopback port it listens on.
    public let port: Int
    /// The `xenops_url` a source daemon is given.
    public var xenopsURL: String { "http://127.0.0.1:\(port)/services/xenops?session_id=OpaqueRef:loopback-test" }

    private let listener: Int32
    private let rpcSocket: String
    private let forwardedSocket: String
    private let decide: @Sendable (Request) async -> Decision
    private let stopped = Atomic<Bool>(false)
    private let seen = Mutex<[Request]>([])

    /// Listens on 127.0.0.1 (a free port) and serves until ``stop()``.
    /// - Parameters:
    ///   - rpcSocket: the destination daemon's API socket (its `--socket`).
    ///   - forwardedSocket: its `xenopsd.forwarded` socket.
    ///   - decide: called for every request before it is passed on.
    public init(rpcSocket: String, forwardedSocket: String, decide: @escaping @Sendable (Request) async -> Decision = { _ in .forward }) throws {
        self.rpcSocket = rpcSocket
        self.forwardedSocket = forwardedSocket
        self.decide = decide
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoopbackXAPIError("socket(): \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw LoopbackXAPIError("cannot listen on 127.0.0.1: \(why)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops accepting (within ~100 ms); connections already handed over are the daemon's.
    public func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Every request received so far, in order.
    public var requests: [Request] { seen.withLock { $0 } }

    private func acceptLoop() {
        defer { Glibc.close(listener) }
        var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        while !stopped.load(ordering: .relaxed) {
            guard poll(&p, 1, 100) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            Task { await self.serve(connection) }
        }
    }

    private func serve(_ fd: Int32) async {
        let owned = OwnedDescriptor(fd)
        defer { owned.close() }
        guard let (request, body) = try? await blocking({ try Self.readRequest(fd) }) else { return }
        seen.withLock { $0.append(request) }
        guard await decide(request) == .forward else { return }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[1] == "services", parts[2] == "xenops" else {
            try? await blocking { try Self.writeAll(fd, Array("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".utf8)) }
            return
        }
        switch request.method {
        case "POST":
            let socket = rpcSocket
            try? await blocking { try Self.proxyRPC(body, to: socket, replyOn: fd) }
        case "PUT", "GET":
            let socket = forwardedSocket
            try? await blocking { try Self.handOver(request, fd: owned, to: socket) }
        default:
            try? await blocking { try Self.writeAll(fd, Array("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".utf8)) }
        }
    }

    /// Reads the request head a byte at a time (nothing after it may be consumed: on a
    /// migration connection the daemon reads the rest) and, for a POST, its body.
    static func readRequest(_ fd: Int32) throws -> (Request, [UInt8]) {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.ends(with: [13, 10, 13, 10]) {
            guard head.count < 65536 else { throw LoopbackXAPIError("request head too long") }
            guard waitReadable(fd, seconds: 60), recv(fd, &byte, 1, 0) == 1 else { throw LoopbackXAPIError("connection closed in the request head") }
            head.append(byte)
        }
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let start = lines.first?.split(separator: " ") ?? []
        guard start.count == 3 else { throw LoopbackXAPIError("bad request line") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let target = String(start[1])
        let path = String(target.prefix { $0 != "?" })
        var query: [String: String] = [:]
        if let q = target.firstIndex(of: "?") {
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                query[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
            }
        }
        var cookies: [String: String] = [:]
        for pair in (headers["cookie"] ?? "").components(separatedBy: ";") {
            let kv = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if let key = kv.first { cookies[String(key)] = kv.count > 1 ? String(kv[1]) : "" }
        }
        var body: [UInt8] = []
        if let length = Int(headers["content-length"] ?? ""), length > 0 {
            guard length <= 64 << 20 else { throw LoopbackXAPIError("body too large") }
            body = [UInt8](repeating: 0, count: length)
            var got = 0
            while got < length {
                guard waitReadable(fd, seconds: 60) else { throw LoopbackXAPIError("body timed out") }
                let n = body.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + got, length - got, 0) }
                guard n > 0 else { throw LoopbackXAPIError("connection closed in the body") }
                got += n
            }
        }
        return (Request(method: String(start[0]), path: path, query: query, cookies: cookies, headers: headers), body)
    }

    /// XAPI's `post_handler` with `use-switch=false`: the body goes to the daemon's socket.
    static func proxyRPC(_ body: [UInt8], to socket: String, replyOn fd: Int32) throws {
        let reply: RawHTTPResponse
        do {
            let daemon = try RawHTTPConnection(path: socket, timeout: 120)
            try daemon.send(Array("POST / HTTP/1.1\r\nhost: localhost\r\ncontent-length: \(body.count)\r\nuser-agent: xapi/loopback\r\n\r\n".utf8) + body)
            reply = try daemon.readResponse()
        } catch {
            try writeAll(fd, Array("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n".utf8))
            return
        }
        try writeAll(fd, Array("HTTP/1.1 200 OK\r\ncontent-length: \(reply.body.count)\r\nconnection: close\r\n\r\n".utf8) + reply.body)
    }

    /// XAPI's `hand_over_connection`: the socket and the request go to `xenopsd.forwarded`,
    /// this side's copy is closed, and the Unix connection is held until the daemon closes it.
    static func handOver(_ request: Request, fd owned: OwnedDescriptor, to socket: String) throws {
        let control = try connectUnix(socket)
        defer { Glibc.close(control) }
        let json = Array(httpRequestJSON(request).utf8)
        guard sendDescriptor(owned.fd, with: json, on: control) else {
            try? writeAll(owned.fd, Array("HTTP/1.0 404 Not Found\r\n\r\n".utf8))
            return
        }
        owned.close()
        // XAPI waits for the daemon's response (or the end of the connection) before it goes on.
        var buffer = [UInt8](repeating: 0, count: 4096)
        while waitReadable(control, seconds: 900), buffer.withUnsafeMutableBytes({ recv(control, $0.baseAddress!, $0.count, 0) }) > 0 {}
    }

    /// The JSON of XAPI's `Http.Request.t` for `request` (ppx_deriving_rpc: `None` fields
    /// omitted, association lists as objects).
    static func httpRequestJSON(_ request: Request) -> String {
        func object(_ pairs: [String: String]) -> String {
            "{" + pairs.sorted { $0.key < $1.key }.map { "\(quote($0.key)):\(quote($0.value))" }.joined(separator: ",") + "}"
        }
        let method = request.method.prefix(1) + request.method.dropFirst().lowercased()
        var extra = request.headers
        for known in ["cookie", "host", "user-agent", "content-length", "connection"] { extra[known] = nil }
        return #"{"m":"\#(method)","path":\#(quote(request.path)),"query":\#(object(request.query)),"version":"1.1","frame":false,"#
            + #""cookie":\#(object(request.cookies)),"host":\#(quote(request.headers["host"] ?? "")),"user_agent":\#(quote(request.headers["user-agent"] ?? "")),"#
            + #""close":false,"additional_headers":\#(object(extra))}"#
    }

    static func quote(_ s: String) -> String { JSONValue.string(s).jsonString }

    /// `sendmsg` of `data` with `fd` attached (SCM_RIGHTS), as XAPI's `send_fd_substring`.
    public static func sendDescriptor(_ fd: Int32, with data: [UInt8], on socket: Int32) -> Bool {
        data.withUnsafeBytes { xenops_send_with_fd(socket, $0.baseAddress, data.count, fd) } == data.count
    }

    /// A connected, close-on-exec Unix stream socket to `path`.
    public static func connectUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoopbackXAPIError("socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            throw LoopbackXAPIError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw LoopbackXAPIError("connect(\(path)): \(why)")
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw LoopbackXAPIError("write failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    static func waitReadable(_ fd: Int32, seconds: Int) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(seconds * 1000)) > 0
    }
}

/// A descriptor closed exactly once, by whoever is last: after a hand-over or when dropped.
final class OwnedDescriptor: Sendable {
    let fd: Int32
    private let closed = Atomic<Bool>(false)
    init(_ fd: Int32) { self.fd = fd }
    func close() { if !closed.exchange(true, ordering: .relaxed) { Glibc.close(fd) } }
    deinit { close() }
}

/// A failure inside the loopback XAPI stand-in.
public struct LoopbackXAPIError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}

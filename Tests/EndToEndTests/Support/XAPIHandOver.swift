import Foundation
import Glibc
import XenopsCore
import XenopsTestSupport

/// The test playing XAPI and the source xenopsd on a forwarded migration connection.
enum XAPIHandOver {
    /// A connected pair of stream sockets (close-on-exec): one end is handed to the daemon, the
    /// test keeps the other as the source host's end of the TCP connection.
    static func socketPair() throws -> (kept: Int32, handed: Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw DaemonError("socketpair failed: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }

    /// What XAPI's `hand_over_connection` does: connects to `socketPath` and sends `json`
    /// (the request's `Http.Request.rpc_of_t`) with `fd` attached in one `sendmsg`. Returns
    /// XAPI's connection to the daemon, on which XAPI then waits for a response.
    static func send(socketPath: String, json: String, fd: Int32) throws -> Int32 {
        let control = try LoopbackXAPI.connectUnix(socketPath)
        let bytes = Array(json.utf8)
        guard LoopbackXAPI.sendDescriptor(fd, with: bytes, on: control) else {
            close(control)
            throw DaemonError("sendmsg of \(bytes.count) bytes with a descriptor failed: \(String(cString: strerror(errno)))")
        }
        return control
    }

    /// The JSON of XAPI's `Http.Request.t` for a `PUT` from a source xenopsd, exactly as
    /// `Http.Request.rpc_of_t |> Jsonrpc.to_string` writes it: fields in declaration order,
    /// `None` fields left out, `(string * string) list`s as objects.
    static func requestJSON(path: String, cookies: [(String, String)], query: [(String, String)] = [("session_id", "OpaqueRef:0c2b5e3d-9d2a-4c55-8f5a-9ab1c2d3e4f5")]) -> String {
        func object(_ pairs: [(String, String)]) -> String {
            "{" + pairs.map { "\(JSONValue.string($0.0).jsonString):\(JSONValue.string($0.1).jsonString)" }.joined(separator: ",") + "}"
        }
        return #"{"m":"Put","path":\#(JSONValue.string(path).jsonString),"query":\#(object(query)),"version":"1.1","frame":false,"cookie":\#(object(cookies)),"host":"10.71.12.34","user_agent":"xenopsd","close":false,"additional_headers":{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}}"#
    }

    /// The cookies a source xenopsd sends on its migration connections (§4.6 step 4).
    static func cookies(finalID: String, memoryLimit: Int64? = 4_294_967_296, memMigration: Bool = true) -> [(String, String)] {
        var c: [(String, String)] = [
            ("instance_id", "a1b2c3d4-0000-4000-8000-000000000001"), ("final_id", finalID),
            ("dbg", "Async.VM.pool_migrate R:5e0c1ad9a1b2"),
        ]
        if memMigration { c.append(("mem_migration", "25.6.0")) }
        if let memoryLimit { c += [("memory_limit", String(memoryLimit)), ("memory_total_source", String(memoryLimit))] }
        return c
    }
}

/// Blocking reads and writes on the test's end of a connection, each bounded in time.
enum SourceEnd {
    /// Exactly `count` bytes, or an error after `timeout` or at end of stream.
    static func read(_ fd: Int32, _ count: Int, timeout: Duration = .seconds(30)) throws -> [UInt8] {
        var out = [UInt8]()
        let deadline = ContinuousClock.now + timeout
        while out.count < count {
            guard try waitReadable(fd, until: deadline) else { throw DaemonError("nothing to read on \(fd) within \(timeout) (\(out.count) of \(count) bytes)") }
            var buffer = [UInt8](repeating: 0, count: count - out.count)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { throw DaemonError("end of stream after \(out.count) of \(count) bytes") }
            if n < 0 { if errno == EINTR { continue }; throw DaemonError("read failed: \(String(cString: strerror(errno)))") }
            out += buffer.prefix(n)
        }
        return out
    }

    /// Everything until the peer closes (bounded in time and size).
    static func readToEnd(_ fd: Int32, timeout: Duration = .seconds(30)) throws -> [UInt8] {
        var out = [UInt8]()
        let deadline = ContinuousClock.now + timeout
        while out.count < 1 << 20 {
            guard try waitReadable(fd, until: deadline) else { throw DaemonError("the peer did not close \(fd) within \(timeout)") }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return out }
            if n < 0 { if errno == EINTR { continue }; if errno == ECONNRESET { return out }; throw DaemonError("read failed: \(String(cString: strerror(errno)))") }
            out += buffer.prefix(n)
        }
        return out
    }

    /// One handshake frame.
    static func frame(_ fd: Int32) throws -> MigrationHandshake {
        let header = try read(fd, 2)
        let length = MigrationHandshake.messageLength(header: header)
        return MigrationHandshake(message: length == 0 ? [] : try read(fd, length))
    }

    static func write(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 { if errno == EINTR { continue }; throw DaemonError("write failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    private static func waitReadable(_ fd: Int32, until deadline: ContinuousClock.Instant) throws -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while ContinuousClock.now < deadline {
            let n = poll(&p, 1, 50)
            if n > 0 { return true }
            if n < 0, errno != EINTR { throw DaemonError("poll failed") }
        }
        return false
    }
}

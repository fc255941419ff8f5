import Foundation
import Glibc
import Testing
import XenopsCore
@testable import XenopsClient

/// `XenopsClient` over a real Unix socket to a stub server: keep-alive, reconnects,
/// timeouts, cancellation and the connection errors an operator sees.
@Suite("Client: transport", .timeLimit(.minutes(2)))
struct ClientTransportTests {
    private func client(_ server: ClientStubServer, timeout: Duration? = .seconds(10)) -> XenopsClient {
        var configuration = XenopsClient.Configuration()
        configuration.requestTimeout = timeout
        return XenopsClient(socketPath: server.path, debugInfo: "transport-test", configuration: configuration)
    }

    @Test("the request is JSON-RPC v1 exactly as XAPI sends it")
    func requestShape() async throws {
        let server = try ClientStubServer { _ in .result(.string("57")) }
        defer { server.stop() }
        let task = try await client(server).vmStart("7b71", force: false)
        #expect(task == "57")
        let request = try #require(server.requests.first)
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"method":"VM.start","params":[{"debug_info":"transport-test","id":"7b71","paused":false}],"id":1}"#)
        #expect(request.head.hasPrefix("POST / HTTP/1.1\r\n"))
        #expect(request.head.contains("Content-Type: application/json\r\n"))
    }

    @Test("None options are left out; Some values are sent bare")
    func optionalParams() async throws {
        let server = try ClientStubServer { _ in .result(.string("1")) }
        defer { server.stop() }
        let c = client(server)
        _ = try await c.vmShutdown("v", delay: nil)
        _ = try await c.vmShutdown("v", delay: 30)
        let params = server.requests.compactMap(\.params)
        #expect(params[0] == .object([JSONMember("debug_info", .string("transport-test")), JSONMember("id", .string("v"))]))
        #expect(params[1]["delay"] == .double(30))
    }

    @Test("request ids count up per client")
    func requestIDs() async throws {
        let server = try ClientStubServer { _ in .result(.int(7)) }
        defer { server.stop() }
        let c = client(server)
        for _ in 0..<3 { _ = try await c.updatesLastID() }
        #expect(server.requests.compactMap { $0.json?["id"] } == [.int(1), .int(2), .int(3)])
    }

    @Test("sequential calls share one keep-alive connection")
    func keepAlive() async throws {
        let server = try ClientStubServer { _ in .result(.bool(true)) }
        defer { server.stop() }
        let c = client(server)
        for _ in 0..<5 { #expect(try await c.vmExists("x")) }
        #expect(server.connectionCount == 1)
    }

    @Test("a connection the server closed while idle is replaced without an error")
    func serverClosedIdle() async throws {
        let reply = ClientStubServer.http(ClientStubServer.envelope(result: .int(1)))
        let server = try ClientStubServer { _ in .rawThenClose(reply) }
        defer { server.stop() }
        let c = client(server)
        for _ in 0..<3 { #expect(try await c.updatesLastID() == 1) }
        #expect(server.connectionCount == 3)
    }

    @Test("a request dropped unanswered on a reused connection is sent once more on a new one")
    func retryOnce() async throws {
        let server = try ClientStubServer { request in
            request.indexOnConnection == 1 ? .close : .result(.int(Int64(request.connection)))
        }
        defer { server.stop() }
        let c = client(server)
        #expect(try await c.updatesLastID() == 0)
        #expect(try await c.updatesLastID() == 1)  // dropped on connection 0, answered on connection 1
        #expect(server.connectionCount == 2)
        #expect(server.methods == ["UPDATES.last_id", "UPDATES.last_id", "UPDATES.last_id"])
    }

    @Test("a fresh connection that closes without a reply is an error, not retried")
    func noRetryOnFreshConnection() async throws {
        let server = try ClientStubServer { _ in .close }
        defer { server.stop() }
        await #expect(throws: XenopsClientError.self) { _ = try await client(server).updatesLastID() }
        #expect(server.connectionCount == 1)
    }

    @Test("a chunked reply is read whole")
    func chunkedReply() async throws {
        let body = ClientStubServer.envelope(result: .string("chunky"))
        let half = body.count / 2
        var chunked = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        chunked += Array("\(String(half, radix: 16))\r\n".utf8) + body[..<half] + Array("\r\n".utf8)
        chunked += Array("\(String(body.count - half, radix: 16))\r\n".utf8) + body[half...] + Array("\r\n0\r\n\r\n".utf8)
        let bytes = chunked
        let server = try ClientStubServer { _ in .raw(bytes) }
        defer { server.stop() }
        #expect(try await client(server).hostConsoleData() == "chunky")
    }

    @Test("a daemon that does not answer in time gives .timeout")
    func timeout() async throws {
        let server = try ClientStubServer { _ in .hang }
        defer { server.stop() }
        // The stub never replies: only the client's own deadline can end this call.
        do {
            _ = try await client(server, timeout: .milliseconds(300)).updatesLastID()
            Issue.record("expected a timeout")
        } catch {
            guard case .timeout = error else { Issue.record("expected .timeout, got \(error)"); return }
        }
    }

    @Test("cancelling the calling task ends a blocked long-poll at once")
    func cancellation() async throws {
        let server = try ClientStubServer { _ in .hang }
        defer { server.stop() }
        let c = client(server, timeout: nil)
        let task = Task { () throws(XenopsClientError) -> UpdatesResult in try await c.updatesGet(lastID: 0, timeout: nil) }
        try await Task.sleep(for: .milliseconds(200))
        // No timeout and a stub that never replies: only cancellation can end the call.
        task.cancel()
        let result = await task.result
        guard case .failure(XenopsClientError.cancelled) = result else { Issue.record("expected .cancelled, got \(result)"); return }
    }

    @Test("concurrent calls each get a connection; idle ones are kept up to the limit")
    func concurrent() async throws {
        let server = try ClientStubServer { request in
            usleep(50_000)
            return .result(request.params?["id"] ?? .null)
        }
        defer { server.stop() }
        let c = client(server)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    let task = try await c.vmPause("vm-\(i)")
                    #expect(task == "vm-\(i)")
                }
            }
            try await group.waitForAll()
        }
        #expect(server.requests.count == 8)
        #expect(server.connectionCount <= 8)
    }

    @Test("no socket file: daemonNotRunning, with a remedy that says how to start it")
    func notRunning() async {
        let c = XenopsClient(socketPath: "/tmp/xenops-no-such-dir/xenopsd.sock")
        do {
            _ = try await c.query()
            Issue.record("expected an error")
        } catch {
            #expect(error == .daemonNotRunning(socket: "/tmp/xenops-no-such-dir/xenopsd.sock"))
            #expect(error.message.contains("not running"))
            #expect(error.remedy.contains("xenopsd") && error.remedy.contains("--socket"))
        }
    }

    @Test("a socket file nobody listens on (a stale one): daemonNotRunning")
    func staleSocketFile() async throws {
        let server = try ClientStubServer { _ in .result(.null) }
        let path = server.path
        // Leave the file behind with no listener: close the listener, then re-create the file.
        server.stop()
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd); unlink(path); rmdir((path as NSString).deletingLastPathComponent) }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes); raw[bytes.count] = 0 }
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        await #expect(throws: XenopsClientError.daemonNotRunning(socket: path)) { _ = try await XenopsClient(socketPath: path).query() }
    }

    @Test("a path too long for a Unix socket is a connection error that says so")
    func pathTooLong() async {
        let path = "/tmp/" + String(repeating: "x", count: 200)
        do {
            _ = try await XenopsClient(socketPath: path).query()
            Issue.record("expected an error")
        } catch {
            guard case .connectionFailed(_, let reason) = error else { Issue.record("got \(error)"); return }
            #expect(reason.contains("107"))
        }
    }
}

import Foundation
import Synchronization
import ServiceLifecycle
import Testing
import XenopsCore
import XenopsServer
import XenopsTestSupport

/// The idle timeout, graceful shutdown, and the socket file's life.
@Suite struct IdleAndShutdownTests {
    @Test func idleConnectionsAreClosed() async throws {
        try await withServer({ $0.idleTimeout = .seconds(1) }) { fixture in
            let path = fixture.socketPath
            let (status, closed) = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                let status = try connection.post(v1("query", #""unit":null"#)).status
                return (status, connection.closedByPeer(within: 5))
            }
            #expect(status == 200)
            #expect(closed)
        }
    }

    @Test func aClientSilentInTheMiddleOfARequestIsClosed() async throws {
        try await withServer({ $0.idleTimeout = .seconds(1) }) { fixture in
            let path = fixture.socketPath
            let closed = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"method\":")
                return connection.closedByPeer(within: 5)
            }
            #expect(closed)
        }
    }

    @Test func aLongPollIsNotCutByTheIdleTimeout() async throws {
        try await withServer({ $0.idleTimeout = .seconds(1) }) { fixture in
            let last = fixture.engine.updates.lastID
            let reply = try json(try await fixture.call(v1("UPDATES.get", #""last_id":\#(last),"timeout":3"#)))
            #expect(reply["result"] == .array([.array([]), .array([]), .int(Int64(last))]))
        }
    }

    @Test func gracefulShutdownAnswersPollsClosesIdleConnectionsAndRemovesTheSocket() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let last = fixture.engine.updates.lastID
            let (poller, idle) = try await blocking {
                let poller = try RawHTTPConnection(path: path)
                try poller.send(RawHTTPConnection.request(v1("UPDATES.get", #""last_id":\#(last)"#)))
                let idle = try RawHTTPConnection(path: path)
                _ = try idle.post(v1("query", #""unit":null"#))
                return (poller, idle)
            }
            #expect(await eventually { fixture.engine.updates.diagnostics.waiters == 1 })
            let started = ContinuousClock.now
            await fixture.server.shutdown(gracePeriod: .seconds(20))
            #expect(ContinuousClock.now - started < .seconds(10))
            let (pollReply, idleClosed) = try await blocking {
                (try poller.readResponse(), idle.closedByPeer(within: 5))
            }
            #expect(try json(pollReply)["result"] == .array([.array([]), .array([]), .int(Int64(last))]))
            #expect(pollReply.headers["connection"] == "close")
            #expect(idleClosed)
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(throws: (any Error).self) { try RawHTTPConnection(path: path) }
        }
    }

    @Test func gracefulShutdownLetsARunningRequestFinish() async throws {
        try await withServer(stepLatency: .milliseconds(300)) { fixture in
            let vm = try await fixture.defineVM()
            let path = fixture.socketPath
            // VM.remove waits in the VM's queue behind a slow VM.delay.
            _ = try await fixture.call(v1("VM.delay", #""id":"\#(vm)","delay":1.0"#))
            let connection = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send(RawHTTPConnection.request(v1("VM.remove", #""id":"\#(vm)""#)))
                return connection
            }
            try await Task.sleep(for: .milliseconds(100))
            await fixture.server.shutdown(gracePeriod: .seconds(10))
            let reply = try await blocking { try json(try connection.readResponse()) }
            #expect(reply["error"] == .null)
            #expect(!fixture.engine.vmExists(vm))
        }
    }

    @Test func theServiceRunsUntilGracefulShutdown() async throws {
        try await withServer { fixture in
            await fixture.server.stop()  // the fixture's own server: free the socket path
            let server = RPCServer(
                dispatcher: .init(service: XenopsServer.EngineService(engine: fixture.engine)),
                configuration: .init(socketPath: fixture.socketPath))
            let listening = ListeningFlag()
            let group = ServiceGroup(services: [RPCServerService(server: server) { listening.set() }], logger: .init(label: "test"))
            let running = Task { try await group.run() }
            #expect(await eventually { listening.isSet })
            #expect(try json(try await fixture.call(v1("query", #""unit":null"#)))["error"] == .null)
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(!server.isListening)
            #expect(!FileManager.default.fileExists(atPath: fixture.socketPath))
        }
    }

    @Test func aSecondServerOnTheSameSocketIsRefused() async throws {
        try await withServer { fixture in
            let second = RPCServer(dispatcher: .init(service: EngineService(engine: fixture.engine)), configuration: .init(socketPath: fixture.socketPath))
            await #expect(throws: ServerError.self) { try await second.start() }
            do { try await second.start() } catch let error as ServerError { #expect(error.code == .socketInUse) }
            // The first one is untouched.
            #expect(try await fixture.call(v1("query", #""unit":null"#)).status == 200)
        }
    }

    @Test func aStaleSocketFileIsReplacedAndTheSocketIsPrivate() async throws {
        try await withServer { fixture in
            let path = fixture.directory + "/stale.sock"
            try makeStaleSocket(at: path)
            let server = RPCServer(dispatcher: .init(service: EngineService(engine: fixture.engine)), configuration: .init(socketPath: path))
            try await server.start()
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            let reply = try await blocking { try RawHTTPConnection(path: path).post(v1("query", #""unit":null"#)) }
            #expect(reply.status == 200)
            await server.stop()
        }
    }

    @Test func anUnwritableSocketDirectoryIsReported() async throws {
        try await withServer { fixture in
            let file = fixture.directory + "/not-a-dir"
            _ = FileManager.default.createFile(atPath: file, contents: Data())
            let server = RPCServer(dispatcher: .init(service: EngineService(engine: fixture.engine)), configuration: .init(socketPath: file + "/x.sock"))
            do {
                try await server.start()
                Issue.record("start succeeded")
            } catch let error as ServerError {
                #expect(error.code == .socketDirectoryNotWritable)
            }
        }
    }
}

/// A flag set from a `@Sendable` callback.
final class ListeningFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}

/// Leaves a socket file with nobody listening, as a daemon killed with SIGKILL does.
func makeStaleSocket(at path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8)
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    close(fd)
    guard rc == 0 else { throw RawHTTPConnection.Failure(description: "bind \(path) failed") }
}

import Foundation
import Synchronization
import Testing
import XenopsCore
import XenopsServer
import XenopsTestSupport
import XenopsTestSwitch

/// The transport against the in-process test switch, with a handler standing in for the
/// dispatcher.
@Suite struct MessageSwitchTransportTests {
    static let queue = "org.xen.xapi.xenops.test"

    /// Replies with the request text as the result.
    static func echo(_ body: [UInt8]) -> [UInt8] {
        Array(JSONValue.object([
            JSONMember("result", .string(String(decoding: body, as: UTF8.self))), JSONMember("error", .null), JSONMember("id", .int(0)),
        ]).jsonString.utf8)
    }

    /// Runs `body` with a switch, a transport serving `queue` through `handler`, and a client.
    func withTransport(
        _ handler: @escaping MessageSwitchTransport.Handler,
        _ body: (TestMessageSwitch, MessageSwitchTransport, XAPISwitchClient) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory(prefix: "ms")
        let testSwitch = TestMessageSwitch(socketPath: directory.file("sock"))
        try await testSwitch.start()
        let transport = MessageSwitchTransport(
            configuration: MessageSwitchConfiguration(socketPath: testSwitch.socketPath, queue: Self.queue, token: "xenopsd-test:1", reconnectDelay: .milliseconds(50)),
            handler: handler)
        let running = Task { await transport.run() }
        let client = XAPISwitchClient(switchPath: testSwitch.socketPath)
        do {
            try await client.start()
            try await body(testSwitch, transport, client)
        } catch {
            Issue.record(error)
        }
        client.stop()
        transport.shutdown()
        await running.value
        await testSwitch.stop()
        directory.remove()
    }

    @Test func callsRunConcurrentlyAndEachIsAnsweredThenAcknowledged() async throws {
        // Every call waits until ten are inside the handler at once: only a transport that runs
        // messages concurrently gets through.
        let gate = Gate(width: 10)
        try await withTransport({ body in await gate.pass(); return Self.echo(body) }) { testSwitch, _, client in
            let replies = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in 0..<10 {
                    group.addTask { (i, try await client.call(#"{"n":\#(i)}"#, queue: Self.queue, timeout: .seconds(30))) }
                }
                return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
            for i in 0..<10 {
                #expect(try JSONValue.parse(replies[i] ?? "")["result"] == .string(#"{"n":\#(i)}"#))
            }
            #expect(await eventually { testSwitch.state.messageIDs(Self.queue).isEmpty })
            // Reply first, then ack, for every message.
            let log = testSwitch.requestLog
            for id in Int64(0)..<10 {
                let reply = log.firstIndex { if case .response(_, Self.queue, id, _) = $0 { return true } else { return false } }
                let ack = log.firstIndex { $0 == .ack(queue: Self.queue, id: id) }
                #expect(reply != nil && ack != nil && reply! < ack!, "message \(id)")
            }
            #expect(client.anomalies.isEmpty)
        }
    }

    @Test func afterTheSwitchRestartsMessagesFromZeroAreServed() async throws {
        let directory = try TemporaryDirectory(prefix: "ms")
        let path = directory.file("sock")
        var testSwitch = TestMessageSwitch(socketPath: path)
        try await testSwitch.start()
        let transport = MessageSwitchTransport(
            configuration: MessageSwitchConfiguration(socketPath: path, queue: Self.queue, token: "xenopsd-test:2", reconnectDelay: .milliseconds(50)),
            handler: { Self.echo($0) })
        let running = Task { await transport.run() }
        do {
            let first = XAPISwitchClient(switchPath: path)
            try await first.start()
            for i in 0..<5 { _ = try await first.call(#"{"before":\#(i)}"#, queue: Self.queue, timeout: .seconds(30)) }
            first.stop()
            // A fresh switch numbers from 0: a transport still asking for messages after 4
            // would never see the next five.
            await testSwitch.stop()
            testSwitch = TestMessageSwitch(socketPath: path)
            try await testSwitch.start()
            let second = XAPISwitchClient(switchPath: path)
            try await second.start()
            for i in 0..<5 {
                let reply = try await second.call(#"{"after":\#(i)}"#, queue: Self.queue, timeout: .seconds(30))
                #expect(try JSONValue.parse(reply)["result"] == .string(#"{"after":\#(i)}"#))
            }
            #expect(transport.sessionCount == 2)
            second.stop()
        } catch {
            Issue.record(error)
        }
        transport.shutdown()
        await running.value
        await testSwitch.stop()
        directory.remove()
    }
}

/// Holds callers until `width` of them are waiting, then lets everyone through.
final class Gate: Sendable {
    private let width: Int
    private let state = Mutex<(count: Int, waiting: [CheckedContinuation<Void, Never>])>((0, []))

    init(width: Int) { self.width = width }

    func pass() async {
        await withCheckedContinuation { continuation in
            let release = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.count += 1
                if s.count >= width {
                    defer { s.waiting = [] }
                    return s.waiting + [continuation]
                }
                s.waiting.append(continuation)
                return []
            }
            for waiting in release { waiting.resume() }
        }
    }
}

/// The test switch itself, spoken to with raw HTTP as the protocol documents it.
@Suite struct TestSwitchProtocolTests {
    func withSwitch(_ body: (TestMessageSwitch) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "ms")
        let testSwitch = TestMessageSwitch(socketPath: directory.file("sock"))
        try await testSwitch.start()
        do { try await body(testSwitch) } catch { Issue.record(error) }
        await testSwitch.stop()
        directory.remove()
    }

    static func rpc(_ connection: RawHTTPConnection, _ method: String, _ path: String, _ body: String = "") throws -> RawHTTPResponse {
        try connection.send(RawHTTPConnection.request(body, method: method, path: path, headers: []))
        return try connection.readResponse()
    }

    @Test func queuesMessagesAcksAndLongPolls() async throws {
        try await withSwitch { testSwitch in
            let path = testSwitch.socketPath
            try await blocking {
                let c = try RawHTTPConnection(path: path)
                let denied = try Self.rpc(c, "GET", "/persistent/q")
                #expect(denied.status == 404 && denied.text == "Please log in.")
                #expect(try Self.rpc(c, "GET", "/login/test:1").status == 200)
                #expect(try Self.rpc(c, "GET", "/persistent/q").text == "q")
                #expect(try Self.rpc(c, "POST", "/request/q/r", "hello").text == #"[["q",0]]"#)
                #expect(try Self.rpc(c, "POST", "/request/q/r", "again").text == #"[["q",1]]"#)
                #expect(try Self.rpc(c, "POST", "/request/missing/r", "lost").text == "[]")

                let all = try JSONValue.parse(try Self.rpc(c, "POST", "/transfer", #"{"timeout":5.0,"queues":["q"]}"#).body)
                #expect(all["next"] == .string("1"))
                #expect(all["messages"]?.arrayElements?.count == 2)
                #expect(all["messages"]?.arrayElements?.first?.arrayElements?[1] == .object([
                    JSONMember("payload", .string("again")), JSONMember("kind", .array([.string("Request"), .string("r")])),
                ]))
                // Nothing newer: the poll times out with `next` equal to `from`.
                #expect(try Self.rpc(c, "POST", "/transfer", #"{"from":"1","timeout":0.2,"queues":["q"]}"#).text == #"{"messages":[],"next":"1"}"#)
                // Unacknowledged messages are delivered again to a listener that starts over.
                #expect(try Self.rpc(c, "GET", "/ack/q/0").text == "")
                let again = try JSONValue.parse(try Self.rpc(c, "POST", "/transfer", #"{"timeout":5.0,"queues":["q"]}"#).body)
                #expect(again["messages"]?.arrayElements?.count == 1 && again["next"] == .string("1"))
                // A response names the message it answers.
                #expect(try Self.rpc(c, "POST", "/response/q/other/7", "answer").text == #"[["q",2]]"#)
                let response = try JSONValue.parse(try Self.rpc(c, "POST", "/transfer", #"{"from":"1","timeout":5.0,"queues":["q"]}"#).body)
                #expect(response["messages"]?.arrayElements?.first?.arrayElements?[1]["kind"] == .array([.string("Response"), .array([.string("other"), .int(7)])]))
            }
        }
    }

    @Test func aWaitingTransferWakesOnANewMessage() async throws {
        try await withSwitch { testSwitch in
            let path = testSwitch.socketPath
            let poller = try await blocking {
                let c = try RawHTTPConnection(path: path)
                _ = try Self.rpc(c, "GET", "/login/poller")
                _ = try Self.rpc(c, "GET", "/persistent/q")
                try c.send(RawHTTPConnection.request(#"{"timeout":60.0,"queues":["q"]}"#, method: "POST", path: "/transfer", headers: []))
                return c
            }
            #expect(await eventually { testSwitch.requestLog.contains { if case .transfer = $0 { return true } else { return false } } })
            try await blocking {
                let c = try RawHTTPConnection(path: path)
                _ = try Self.rpc(c, "GET", "/login/sender")
                _ = try Self.rpc(c, "POST", "/request/q/r", "wake")
            }
            let woke = try await blocking { try JSONValue.parse(try poller.readResponse().body) }
            #expect(woke["next"] == .string("0"))
        }
    }

    @Test func aTransientQueueGoesWithItsSessionsLastConnection() async throws {
        try await withSwitch { testSwitch in
            let path = testSwitch.socketPath
            let (first, second) = try await blocking {
                let a = try RawHTTPConnection(path: path)
                let b = try RawHTTPConnection(path: path)
                _ = try Self.rpc(a, "GET", "/login/client:1")
                _ = try Self.rpc(b, "GET", "/login/client:1")
                #expect(try Self.rpc(a, "GET", "/transient/client:1").text == "client:1")
                return (a, b)
            }
            first.close()
            #expect(await eventually { testSwitch.connectionCount == 1 })
            #expect(testSwitch.state.exists("client:1"))
            second.close()
            #expect(await eventually { !testSwitch.state.exists("client:1") })
        }
    }
}

import Foundation
import Synchronization
import XenopsCore
import XenopsTestSupport

/// XAPI's side of the message-switch, for tests (xen-api `message-switch/core/make.ml`
/// `Client`): logs in on two connections, makes a transient reply queue named after its
/// token, and for each call re-declares the destination queue, sends
/// `POST /request/<queue>/<reply queue>` and waits for the `Response` to that message id,
/// which an events thread long-polls on the reply queue and acknowledges.
///
/// Unlike XAPI's client, when its connections fail it assumes the switch restarted: it logs
/// in again, makes its reply queue again and sends again every call that has no reply yet
/// (XAPI keeps its old reply queue name, which a restarted switch no longer has). Every
/// response is counted so that a test can check that each call got exactly one.
///
/// Blocking sockets on threads of its own, never on the Swift concurrency pool.
public final class XAPISwitchClient: Sendable {
    public let switchPath: String
    public let token: String
    /// The `/transfer` timeout of the events thread, in seconds (XAPI: 30).
    private let pollTimeout: Double

    private struct Call {
        var queue: String
        var body: String
        var messageID: MessageID?
        var reply: String?
        var replies = 0
        /// A thread is sending it now.
        var sending = false
        /// The connection generation it was last sent on.
        var sentGeneration = 0
        var continuation: CheckedContinuation<String, any Error>?
    }

    /// `(queue, id)`.
    public struct MessageID: Hashable, Sendable, CustomStringConvertible {
        public var queue: String
        public var id: Int64
        public var description: String { "(\(queue), \(id))" }
    }

    private struct State {
        var calls: [Int: Call] = [:]
        var byMessage: [MessageID: Int] = [:]
        var nextCall = 0
        var requests: RawHTTPConnection?
        var events: RawHTTPConnection?
        /// Responses that matched no call, or a call already answered.
        var anomalies: [String] = []
        var reconnects = 0
        var resent = 0
        var stopped = false
        var generation = 0
    }

    private let state = Mutex(State())
    /// Serializes use of the requests connection (one request at a time, as XAPI's mutex).
    private let requestsLock = NSLock()

    public init(switchPath: String, token: String = "xapi:\(getpid())-\(UInt32.random(in: 0...UInt32.max))", pollTimeout: Double = 30) {
        self.switchPath = switchPath
        self.token = token
        self.pollTimeout = pollTimeout
    }

    /// The reply queue: a transient queue named after the token.
    public var replyQueue: String { token }

    /// Connects (retrying for up to `timeout` while the switch is not there) and starts the
    /// events thread.
    public func start(timeout: Duration = .seconds(30)) async throws {
        try await blocking { try self.connect(deadline: .now + timeout) }
        let thread = Thread { self.eventsLoop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the events thread and closes the connections; calls still waiting fail.
    public func stop() {
        let (requests, events, waiting) = state.withLock { s -> (RawHTTPConnection?, RawHTTPConnection?, [CheckedContinuation<String, any Error>]) in
            s.stopped = true
            let waiting = s.calls.values.compactMap(\.continuation)
            for key in s.calls.keys { s.calls[key]?.continuation = nil }
            return (s.requests, s.events, waiting)
        }
        events?.shutdown()
        requests?.shutdown()
        for continuation in waiting { continuation.resume(throwing: Failure("the client stopped")) }
    }

    /// Sends a JSON-RPC request to `queue` and returns the reply text (bounded by `timeout`).
    public func call(_ body: String, queue: String, timeout: Duration = .seconds(60)) async throws -> String {
        let number = state.withLock { s -> Int in
            s.nextCall += 1
            s.calls[s.nextCall] = Call(queue: queue, body: body)
            return s.nextCall
        }
        try await blocking { try self.send(number) }
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            self.fail(number, Failure("no reply within \(timeout) to \(body.prefix(100))"))
        }
        defer { watchdog.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { s -> Result<String, any Error>? in
                guard s.calls[number] != nil else { return .failure(Failure("the call was abandoned")) }
                if let reply = s.calls[number]?.reply { return .success(reply) }
                s.calls[number]?.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    /// Responses that matched no waiting call or a call already answered (should be none).
    public var anomalies: [String] { state.withLock { $0.anomalies } }
    /// How many times the client reconnected after its connections failed.
    public var reconnects: Int { state.withLock { $0.reconnects } }
    /// How many calls were sent again after a reconnect.
    public var resent: Int { state.withLock { $0.resent } }
    /// How many replies each call got, by call number.
    public var replyCounts: [Int: Int] { state.withLock { s in s.calls.mapValues(\.replies) } }

    // MARK: Connections

    private func login() throws -> RawHTTPConnection {
        let connection = try RawHTTPConnection(path: switchPath, timeout: pollTimeout + 15)
        _ = try Self.rpc(connection, "GET", "/login/" + token)
        return connection
    }

    private func connect(deadline: ContinuousClock.Instant) throws {
        while true {
            do {
                let requests = try login()
                let events = try login()
                _ = try Self.rpc(requests, "GET", "/transient/" + token)
                state.withLock { s in
                    s.requests = requests
                    s.events = events
                    s.generation += 1
                }
                return
            } catch {
                guard ContinuousClock.now < deadline, !state.withLock({ $0.stopped }) else { throw error }
                usleep(100_000)
            }
        }
    }

    /// Sends call `number` unless it was sent on the current connections already (or is being
    /// sent); waits for the events thread to reconnect if needed.
    private func send(_ number: Int) throws {
        let claimed = state.withLock { s -> Bool in
            guard let call = s.calls[number], !call.sending, call.reply == nil else { return false }
            s.calls[number]?.sending = true
            return true
        }
        guard claimed else { return }
        defer { state.withLock { $0.calls[number]?.sending = false } }
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            let (call, connection, generation) = try state.withLock { s -> (Call, RawHTTPConnection?, Int) in
                guard let call = s.calls[number] else { throw Failure("the call was abandoned") }
                return (call, s.requests, s.generation)
            }
            if call.sentGeneration == generation || call.reply != nil { return }
            if let connection {
                do {
                    // As XAPI's client: the send and the registration of its id happen under the
                    // lock the events thread takes to hand out a response, so none is missed.
                    let current = try requestsLock.withLock { () throws -> Bool in
                        _ = try Self.rpc(connection, "GET", "/persistent/" + call.queue)
                        let reply = try Self.rpc(connection, "POST", "/request/\(call.queue)/\(replyQueue)", body: call.body)
                        guard let pair = (try? JSONValue.parse(reply))?.arrayElements?.first?.arrayElements, pair.count == 2,
                              case .string(let q) = pair[0], case .int(let n) = pair[1] else {
                            throw Failure("the switch dropped a request to \(call.queue): the queue does not exist")
                        }
                        let id = MessageID(queue: q, id: n)
                        return state.withLock { s -> Bool in
                            guard s.generation == generation else { return false }
                            s.byMessage[id] = number
                            s.calls[number]?.messageID = id
                            s.calls[number]?.sentGeneration = generation
                            return true
                        }
                    }
                    if current { return }
                } catch let error as Failure where error.description.hasPrefix("the switch dropped") {
                    throw error
                } catch {}
            }
            guard ContinuousClock.now < deadline, !state.withLock({ $0.stopped }) else { throw Failure("could not send \(call.body.prefix(80)) to the switch") }
            usleep(50_000)  // the events thread reconnects; then send on the new connection
        }
    }

    /// Long-polls the reply queue, hands each response to its call and acknowledges it;
    /// reconnects (and sends unanswered calls again) when the connection fails.
    private func eventsLoop() {
        var from: String? = nil
        while !state.withLock({ $0.stopped }) {
            guard let events = state.withLock({ $0.events }) else { return }
            do {
                var request: [JSONMember] = []
                if let from { request.append(JSONMember("from", .string(from))) }
                request.append(JSONMember("timeout", .double(pollTimeout)))
                request.append(JSONMember("queues", .array([.string(replyQueue)])))
                let body = try Self.rpc(events, "POST", "/transfer", body: JSONValue.object(request).jsonString)
                let json = try JSONValue.parse(body)
                let messages = json["messages"]?.arrayElements ?? []
                for message in messages {
                    guard let pair = message.arrayElements, pair.count == 2,
                          let id = pair[0].arrayElements, case .string(let q) = id[0], case .int(let n) = id[1],
                          case .string(let payload)? = pair[1]["payload"],
                          let kind = pair[1]["kind"]?.arrayElements, kind.first == .string("Response"),
                          let origin = kind.last?.arrayElements, case .string(let oq) = origin[0], case .int(let on) = origin[1]
                    else {
                        state.withLock { $0.anomalies.append("unreadable message \(message.jsonString.prefix(200))") }
                        continue
                    }
                    requestsLock.withLock { deliver(MessageID(queue: oq, id: on), payload: payload) }
                    _ = try Self.rpc(events, "GET", "/ack/\(q)/\(n)")
                }
                if !messages.isEmpty, case .string(let next)? = json["next"] { from = next }
            } catch {
                if state.withLock({ $0.stopped }) { return }
                reconnect()
                from = nil
            }
        }
    }

    private func deliver(_ origin: MessageID, payload: String) {
        let continuation = state.withLock { s -> CheckedContinuation<String, any Error>? in
            guard let number = s.byMessage[origin], s.calls[number] != nil else {
                s.anomalies.append("a response to \(origin), which is no call of this client: \(payload.prefix(200))")
                return nil
            }
            s.calls[number]!.replies += 1
            guard s.calls[number]!.reply == nil else {
                s.anomalies.append("a second response to \(origin): \(payload.prefix(200))")
                return nil
            }
            s.calls[number]!.reply = payload
            defer { s.calls[number]!.continuation = nil }
            return s.calls[number]!.continuation
        }
        continuation?.resume(returning: payload)
    }

    private func fail(_ number: Int, _ error: Failure) {
        let continuation = state.withLock { s -> CheckedContinuation<String, any Error>? in
            defer { s.calls[number]?.continuation = nil }
            return s.calls[number]?.continuation
        }
        continuation?.resume(throwing: error)
    }

    /// The switch went away: connect again, make the reply queue again and send every call
    /// that has no reply yet.
    private func reconnect() {
        let old = state.withLock { s -> [RawHTTPConnection?] in
            defer { s.requests = nil; s.events = nil; s.byMessage = [:] }
            return [s.requests, s.events]
        }
        for connection in old { connection?.shutdown() }
        do { try connect(deadline: .now + .seconds(60)) } catch { return }
        let unanswered = state.withLock { s -> [Int] in
            s.reconnects += 1
            let list = s.calls.filter { $0.value.reply == nil }.map(\.key).sorted()
            s.resent += list.count
            return list
        }
        for number in unanswered {
            let thread = Thread { try? self.send(number) }
            thread.start()
        }
    }

    // MARK: Wire

    /// One request on a connection; the body of its `200` reply.
    static func rpc(_ connection: RawHTTPConnection, _ method: String, _ path: String, body: String = "") throws -> String {
        try connection.send(RawHTTPConnection.request(body, method: method, path: path, headers: [("connection", "keep-alive")]))
        let reply = try connection.readResponse()
        guard reply.status == 200 else { throw Failure("\(method) \(path): HTTP \(reply.status) \(reply.text)") }
        return reply.text
    }

    /// A failure of the test client.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}

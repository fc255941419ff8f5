import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import XenopsCore

/// A message-switch for tests, written from the protocol (xen-api
/// `ocaml/message-switch/core/protocol.ml`, `switch/switch_main.ml`, `mswitch.ml`, `q.ml`):
/// HTTP/1.1 keep-alive on a Unix socket, one request then one response at a time per
/// connection; every operation but `/login` and `GET /` needs the connection to have logged
/// in (`404 "Please log in."`); transient queues die with their session's last connection;
/// `/transfer` long-polls until a message newer than `from` or the timeout; messages stay until
/// acknowledged. In memory only: like the real switch without `--statedir`, a restart loses
/// every queue and numbers messages from 0 again.
///
/// Runs in-process (`start()`/`stop()`) or as the `xenops-test-switch` executable, so that a
/// test can kill it with SIGKILL and start it again.
public final class TestMessageSwitch: Sendable {
    public let socketPath: String
    private let group: MultiThreadedEventLoopGroup
    private let core = Mutex(Core())
    private let server = Mutex<(any Channel)?>(nil)

    struct Waiter {
        var connection: UInt64
        var from: Int64
        var names: [String]
        var promise: EventLoopPromise<Reply>
        var timer: Scheduled<Void>?
    }

    struct Core {
        var state = SwitchState()
        var channels: [UInt64: any Channel] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        var log: [SwitchRequest] = []
    }

    /// A response: status and body.
    struct Reply: Sendable {
        var status: HTTPResponseStatus
        var body: [UInt8]
        static func ok(_ text: String) -> Reply { Reply(status: .ok, body: Array(text.utf8)) }
    }

    private let started = ContinuousClock.now

    /// A switch that will listen on `socketPath` once started.
    public init(socketPath: String) {
        self.socketPath = socketPath
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Removes a stale socket file and starts listening.
    public func start() async throws {
        unlink(socketPath)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try sync.addHandler(SwitchHTTPHandler(switch: self))
                }
            }
            .bind(unixDomainSocketPath: socketPath)
            .get()
        server.withLock { $0 = channel }
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        let channel = server.withLock { s -> (any Channel)? in defer { s = nil }; return s }
        try? await channel?.close()
        dropAllConnections()
        unlink(socketPath)
        try? await group.shutdownGracefully()
    }

    /// Closes every client connection (their sessions end and transient queues go), keeping
    /// the queues otherwise: what a client sees when its connections break but the switch lives.
    public func dropAllConnections() {
        for channel in core.withLock({ Array($0.channels.values) }) { channel.close(promise: nil) }
    }

    /// Closes the connections of one session (e.g. a server's), as if they broke.
    public func dropConnections(session: String) {
        let channels = core.withLock { c in c.state.connections(of: session).compactMap { c.channels[$0] } }
        for channel in channels { channel.close(promise: nil) }
    }

    /// A copy of the queues and sessions.
    public var state: SwitchState { core.withLock { $0.state } }

    /// Every request served so far, in order.
    public var requestLog: [SwitchRequest] { core.withLock { $0.log } }

    /// The number of open client connections.
    public var connectionCount: Int { core.withLock { $0.channels.count } }

    // MARK: Connections

    func connectionOpened(_ channel: any Channel) -> UInt64 {
        core.withLock { c in
            c.nextID += 1
            c.channels[c.nextID] = channel
            return c.nextID
        }
    }

    func connectionClosed(_ id: UInt64) {
        let dropped = core.withLock { c -> [Waiter] in
            c.channels[id] = nil
            _ = c.state.connectionClosed(id)
            let mine = c.waiters.filter { $0.value.connection == id }
            for key in mine.keys { c.waiters[key] = nil }
            return Array(mine.values)
        }
        for waiter in dropped {
            waiter.timer?.cancel()
            waiter.promise.fail(ChannelError.ioOnClosedChannel)
        }
    }

    // MARK: Requests

    /// Serves one request of connection `id`; the future completes with the response (at once,
    /// or for a `/transfer` with nothing new, when a message arrives or the timeout passes).
    func handle(connection id: UInt64, method: String, uri: String, body: [UInt8], on loop: any EventLoop) -> EventLoopFuture<Reply> {
        let request: SwitchRequest
        do { request = try SwitchRequest.parse(method: method, uri: uri, body: body) } catch {
            switch error {
            case .notFound: return loop.makeSucceededFuture(Reply(status: .notFound, body: Array("Not found".utf8)))
            case .badTransfer(let why): return loop.makeSucceededFuture(Reply(status: .internalServerError, body: Array(why.utf8)))
            }
        }
        let now = nanoseconds()
        var wake: [Waiter] = []
        let immediate: Reply? = core.withLock { c -> Reply? in
            c.log.append(request)
            guard let session = c.state.session(of: id) ?? (request.allowedWithoutSession ? "" : nil) else {
                return Reply(status: .notFound, body: Array("Please log in.".utf8))
            }
            switch request {
            case .login(let token):
                c.state.login(connection: id, token: token)
                return .ok("")
            case .diagnostics:
                return .ok(c.state.diagnostics(now: now).jsonString)
            case .createPersistent(let name):
                c.state.create(name, owner: nil)
                return .ok(name)
            case .createTransient(let name):
                c.state.create(name, owner: session)
                return .ok(name)
            case .destroy(let name):
                c.state.destroy(name)
                return .ok("")
            case .ack(let queue, let n):
                c.state.ack(queue, n)
                return .ok("")
            case .list(let prefix, let alive):
                return .ok(JSONValue.array(c.state.list(prefix: prefix, aliveOnly: alive).map { .string($0) }).jsonString)
            case .request(let queue, let replyTo, let payload):
                let sent = c.state.send(to: queue, payload: payload, kind: .request(replyTo: replyTo), origin: .name(session), time: now)
                wake = Self.ready(&c)
                return .ok(Self.sendReply(queue, sent))
            case .response(let queue, let origin, let n, let payload):
                let sent = c.state.send(to: queue, payload: payload, kind: .response(queue: origin, id: n), origin: .name(session), time: now)
                wake = Self.ready(&c)
                return .ok(Self.sendReply(queue, sent))
            case .transfer(let from, let timeout, let names):
                let deadline = now + UInt64(max(0, timeout) * 1e9)
                c.state.recordTransfer(names, deadline: deadline)
                let result = c.state.transfer(from: from ?? -1, names: names)
                guard result.messages.isEmpty else { return .ok(Self.transferJSON(result)) }
                return nil
            }
        }
        for waiter in wake { complete(waiter) }
        if let immediate { return loop.makeSucceededFuture(immediate) }
        // A /transfer with nothing new: wait for a message or the timeout.
        guard case .transfer(let from, let timeout, let names) = request else { return loop.makeSucceededFuture(.ok("")) }
        let promise = loop.makePromise(of: Reply.self)
        let key = core.withLock { c -> UInt64 in
            c.nextID += 1
            c.waiters[c.nextID] = Waiter(connection: id, from: from ?? -1, names: names, promise: promise)
            return c.nextID
        }
        let timer = loop.scheduleTask(in: .nanoseconds(Int64(max(0, timeout) * 1e9))) { [self] in
            if let waiter = core.withLock({ $0.waiters.removeValue(forKey: key) }) { complete(waiter) }
        }
        let raced = core.withLock { c -> Waiter? in
            c.waiters[key]?.timer = timer
            // A message may have arrived between the check and the registration.
            guard let waiter = c.waiters[key], !c.state.transfer(from: waiter.from, names: waiter.names).messages.isEmpty else { return nil }
            return c.waiters.removeValue(forKey: key)
        }
        if let raced { complete(raced) }
        return promise.futureResult
    }

    /// Takes the waiters that now have messages.
    private static func ready(_ c: inout Core) -> [Waiter] {
        let keys = c.waiters.filter { !c.state.transfer(from: $0.value.from, names: $0.value.names).messages.isEmpty }.map(\.key)
        return keys.compactMap { c.waiters.removeValue(forKey: $0) }
    }

    /// Answers a waiting `/transfer` with what there is now.
    private func complete(_ waiter: Waiter) {
        waiter.timer?.cancel()
        let result = core.withLock { $0.state.transfer(from: waiter.from, names: waiter.names) }
        waiter.promise.succeed(.ok(Self.transferJSON(result)))
    }

    /// `Out.Send`: `[["<queue>", <id>]]`, or `[]` when the queue does not exist (an option
    /// outside a record is a list in ocaml-rpc).
    private static func sendReply(_ queue: String, _ id: Int64?) -> String {
        guard let id else { return "[]" }
        return JSONValue.array([.array([.string(queue), .int(id)])]).jsonString
    }

    /// `Out.transfer`: `{"messages": [[[q, n], {"payload", "kind"}]…], "next": "<n>"}`.
    static func transferJSON(_ result: (messages: [(queue: String, id: Int64, entry: SwitchState.Entry)], next: Int64)) -> String {
        JSONValue.object([
            JSONMember("messages", .array(result.messages.map { m in
                .array([.array([.string(m.queue), .int(m.id)]), SwitchState.messageJSON(m.entry)])
            })),
            JSONMember("next", .string(String(result.next))),
        ]).jsonString
    }

    private func nanoseconds() -> UInt64 {
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}

/// One client connection: collects each request and writes the switch's reply.
final class SwitchHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let owner: TestMessageSwitch
    private var id: UInt64 = 0
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(switch owner: TestMessageSwitch) {
        self.owner = owner
    }

    func channelActive(context: ChannelHandlerContext) {
        id = owner.connectionOpened(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        owner.connectionClosed(id)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(let chunk):
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            guard let head else { return }
            self.head = nil
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            owner.handle(connection: id, method: head.method.rawValue, uri: head.uri, body: body, on: context.eventLoop)
                .whenSuccess { reply in
                    let (handler, context) = bound.value
                    handler.write(reply, keepAlive: head.isKeepAlive, version: head.version, context: context)
                }
        }
    }

    private func write(_ reply: TestMessageSwitch.Reply, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-length", value: String(reply.body.count))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: reply.status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: reply.body.count)
        buffer.writeBytes(reply.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}

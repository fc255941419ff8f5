import NIOCore
import NIOHTTP1
import NIOPosix

/// Why a call to the message-switch failed.
enum SwitchConnectionError: Error, Sendable, CustomStringConvertible {
    /// The connection closed (or could not be used) before the reply arrived.
    case closed(String)
    /// No reply within the deadline; the connection was closed.
    case timedOut(String)
    /// The switch answered with a status other than 200 (`404 "Please log in."`, an unknown path).
    case status(String, Int, String)

    var description: String {
        switch self {
        case .closed(let what): return "the connection to the message-switch closed during \(what)"
        case .timedOut(let what): return "the message-switch did not answer \(what) in time"
        case .status(let what, let code, let body): return "the message-switch answered \(what) with HTTP \(code) \(body.prefix(200))"
        }
    }
}

/// One keep-alive HTTP/1.1 connection to the message-switch over its Unix socket.
///
/// Strictly one request, then its response, at a time (the switch serves a connection in
/// order and upstream never pipelines): concurrent callers queue in the channel handler, on
/// the event loop, so nothing blocks a thread while it waits.
final class SwitchConnection: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// Connects to the switch's socket at `path`.
    static func connect(path: String, group: any EventLoopGroup, connectTimeout: Duration) async throws -> SwitchConnection {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(SwitchClientHandler())
                }
            }
            .connect(unixDomainSocketPath: path)
            .get()
        return SwitchConnection(channel: channel)
    }

    /// Sends `operation` and returns the body of its `200` reply.
    /// - Parameter timeout: How long the reply may take; on expiry the connection is closed
    ///   (a reply arriving later could not be told apart from the next one's).
    func call(_ operation: SwitchOperation, timeout: Duration) async throws(SwitchConnectionError) -> [UInt8] {
        let promise = channel.eventLoop.makePromise(of: SwitchClientHandler.Reply.self)
        let request = SwitchClientHandler.Request(operation: operation, timeout: TimeAmount(timeout), promise: promise)
        // The handler completes `promise`; if the write never reaches it (closed channel), fail it here.
        channel.writeAndFlush(request).whenFailure { _ in promise.fail(SwitchConnectionError.closed(operation.summary)) }
        let reply: SwitchClientHandler.Reply
        do { reply = try await promise.futureResult.get() } catch let error as SwitchConnectionError {
            throw error
        } catch {
            throw .closed(operation.summary)
        }
        guard reply.status == 200 else {
            throw .status(operation.summary, reply.status, String(decoding: reply.body, as: UTF8.self))
        }
        return reply.body
    }

    /// Closes the connection; calls waiting on it fail.
    func close() {
        channel.close(promise: nil)
    }

    /// Whether the connection is still open.
    var isOpen: Bool { channel.isActive }
}

/// Writes queued requests one at a time and pairs each response with its request.
final class SwitchClientHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Request
    typealias OutboundOut = HTTPClientRequestPart

    struct Request: Sendable {
        var operation: SwitchOperation
        var timeout: TimeAmount
        var promise: EventLoopPromise<Reply>
    }

    struct Reply: Sendable {
        var status: Int
        var body: [UInt8]
    }

    private struct InProgress {
        var request: Request
        var status = 0
        var body: [UInt8] = []
        var timer: Scheduled<Void>?
    }

    private var waiting = CircularBuffer<Request>()
    private var current: InProgress?
    /// Set once the channel is unusable: later requests fail at once with this.
    private var failure: SwitchConnectionError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        promise?.succeed(())
        if let failure {
            request.promise.fail(failure)
            return
        }
        waiting.append(request)
        startNext(context: context)
    }

    private func startNext(context: ChannelHandlerContext) {
        guard current == nil, let request = waiting.popFirst() else { return }
        let operation = request.operation
        let body = operation.body
        var headers = HTTPHeaders()
        headers.add(name: "host", value: "localhost")
        headers.add(name: "user-agent", value: "xenopsd-ng")
        headers.add(name: "content-length", value: String(body.count))
        headers.add(name: "connection", value: "keep-alive")
        let method: HTTPMethod = operation.method == "POST" ? .POST : .GET
        context.write(wrapOutboundOut(.head(HTTPRequestHead(version: .http1_1, method: method, uri: operation.path, headers: headers))), promise: nil)
        if !body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(in: request.timeout) {
            let (handler, context) = bound.value
            handler.fail(.timedOut(operation.summary), context: context)
            context.close(promise: nil)
        }
        current = InProgress(request: request, timer: timer)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            current?.status = Int(head.status.code)
        case .body(let buffer):
            current?.body.append(contentsOf: buffer.readableBytesView)
        case .end:
            guard let done = current else { return }
            current = nil
            done.timer?.cancel()
            done.request.promise.succeed(Reply(status: done.status, body: done.body))
            startNext(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.closed(current?.request.operation.summary ?? "a request"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.closed(current?.request.operation.summary ?? "a request"), context: context)
        context.close(promise: nil)
    }

    /// Fails the request in progress with `error` and every queued one as closed.
    private func fail(_ error: SwitchConnectionError, context: ChannelHandlerContext) {
        if failure == nil { failure = .closed("a request sent after the connection failed") }
        if let done = current {
            current = nil
            done.timer?.cancel()
            done.request.promise.fail(error)
        }
        while let request = waiting.popFirst() {
            request.promise.fail(SwitchConnectionError.closed(request.operation.summary))
        }
    }
}

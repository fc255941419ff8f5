import Logging
import NIOCore
import NIOHTTP1
import XenopsCore
import XenopsRPC

/// Serves JSON-RPC and XML-RPC over one HTTP/1.1 connection: accumulates a `POST /` body up to
/// the limit, runs the call in one Swift task and writes the reply back on the connection's
/// event loop. The body tells XML from JSON (XAPI sends no Content-Type); the reply is in kind.
///
/// The pipelining handler in front of it holds back the next request until the current
/// reply has been written, so this handler serves one request at a time; concurrency comes
/// from connections. While a request is in progress the connection is never idle, so a long
/// `UPDATES.get` is not cut by the idle timeout; if the client goes away, the task serving it
/// is cancelled.
final class HTTPRPCHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection shares: the call runner, limits, logger and registry.
    struct Shared: Sendable {
        var runner: CallRunner
        var maxBodyBytes: Int
        var idleTimeout: TimeAmount
        var logger: Logger
        var registry: ConnectionRegistry
        /// Whether a `POST` on any path is served (the socket at XAPI's path).
        var acceptsAnyPath = false
    }

    private enum State {
        /// Between requests.
        case idle
        /// Reading the body of an acceptable request.
        case receiving(HTTPRequestHead, ByteBuffer?)
        /// Reading (and dropping) the body of a request that gets an error reply at its end.
        case rejecting(HTTPRequestHead, HTTPResponseStatus, String)
        /// The call runs in a task; the reply is not written yet.
        case dispatching(HTTPRequestHead)
        /// A reply closing the connection was sent (e.g. 413); input is ignored.
        case closing
    }

    /// JSON requests with bodies up to this size are served on the event loop (see
    /// ``EventLoopTaskExecutor``); larger ones, and every XML-RPC body, on the concurrency pool.
    static let onLoopBodyLimit = 64 * 1024

    /// The task executor of this connection's event loop, made once per connection.
    private var loopExecutor: EventLoopTaskExecutor?

    private func executor(for loop: any EventLoop) -> EventLoopTaskExecutor {
        if let loopExecutor { return loopExecutor }
        let made = EventLoopTaskExecutor(loop: loop)
        loopExecutor = made
        return made
    }

    /// The paths a JSON-RPC `POST` is accepted on (a query string is ignored).
    static let acceptedPaths: Set<Substring> = ["/", "/jsonrpc"]

    private let shared: Shared
    private var state = State.idle
    private var connectionID: UInt64?
    /// Set once the server drains: close when idle and after the current reply.
    private var draining = false
    /// When the connection last finished a request (or opened): the idle clock.
    private var lastActivity = NIODeadline.now()
    /// Counts requests so that a reply for a request whose connection has gone is dropped.
    private var serial: UInt64 = 0

    init(shared: Shared) {
        self.shared = shared
    }

    // MARK: Connection events

    func channelActive(context: ChannelHandlerContext) {
        connectionID = shared.registry.add(context.channel)
        lastActivity = .now()
        if connectionID == nil { context.close(promise: nil) }  // the server is shutting down
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let id = connectionID {
            // The client went away: stop the work serving it (a waiting UPDATES.get returns).
            shared.registry.cancelAndRemove(id)
        }
        connectionID = nil
        serial &+= 1
        state = .closing
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is IdleStateHandler.IdleStateEvent:
            // Ticks come every quarter of the timeout while nothing is read. A call being
            // served (a long UPDATES.get) is never idle; a client silent for a whole timeout
            // between requests, or in the middle of sending one, is.
            if case .dispatching = state { return }
            if NIODeadline.now() - lastActivity >= shared.idleTimeout {
                shared.logger.debug("closing a connection idle for \(shared.idleTimeout.nanoseconds / 1_000_000_000) s")
                context.close(promise: nil)
            }
        case is DrainEvent:
            draining = true
            if case .idle = state { context.close(promise: nil) }
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("closing a connection after an error: \(error)")
        context.close(promise: nil)
    }

    // MARK: Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            receive(head, context: context)
        case .body(var chunk):
            switch state {
            case .receiving(let head, var body):
                lastActivity = .now()
                let total = (body?.readableBytes ?? 0) + chunk.readableBytes
                guard total <= shared.maxBodyBytes else {
                    rejectTooLarge(head, context: context)
                    return
                }
                if body == nil {
                    body = chunk  // the common case, one chunk: kept without a copy
                } else {
                    state = .idle  // drop the reference held in `state` so the append does not copy
                    body!.writeBuffer(&chunk)
                }
                state = .receiving(head, body)
            default:
                break  // a rejected or closing request: the body is dropped
            }
        case .end:
            switch state {
            case .receiving(let head, let body):
                dispatch(head, body ?? context.channel.allocator.buffer(capacity: 0), context: context)
            case .rejecting(let head, let status, let message):
                reply(Self.errorBody(message), status: status, head: head, context: context)
            default:
                break
            }
        }
    }

    private func receive(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        lastActivity = .now()
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard shared.acceptsAnyPath || Self.acceptedPaths.contains(path) else {
            state = .rejecting(head, .notFound, "there is nothing at \(head.uri); send JSON-RPC requests with POST to / on this socket")
            return
        }
        guard head.method == .POST else {
            state = .rejecting(head, .methodNotAllowed, "\(head.method.rawValue) is not allowed on \(path); send JSON-RPC requests with POST")
            return
        }
        if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }), length > shared.maxBodyBytes {
            rejectTooLarge(head, context: context)
            return
        }
        if head.headers.contains(name: "expect") {
            // curl and others wait for this before sending a large body.
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        state = .receiving(head, nil)
    }

    private func rejectTooLarge(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let message = "the request body is larger than the limit of \(shared.maxBodyBytes) bytes; split the request, or raise the limit (max_body_bytes in the daemon's configuration)"
        // The rest of the body would have to be read and dropped; closing is cheaper and safe.
        reply(Self.errorBody(message), status: .payloadTooLarge, head: head, forceClose: true, context: context)
    }

    /// Runs the call in one task and writes its reply on this event loop.
    private func dispatch(_ head: HTTPRequestHead, _ body: ByteBuffer, context: ChannelHandlerContext) {
        state = .dispatching(head)
        serial &+= 1
        let expected = serial
        let shared = self.shared
        let id = connectionID
        let loop = context.eventLoop
        let boundHandler = NIOLoopBound(self, eventLoop: loop)
        let boundContext = NIOLoopBound(context, eventLoop: loop)
        let work: @Sendable () async -> Void = {
            let reply = await shared.runner.serve(body.readableBytesView)
            // Always through the loop's queue, even when already on it: events queued meanwhile
            // (a drain) are handled before the reply is written.
            loop.execute {
                boundHandler.value.finish(serial: expected, reply: reply, context: boundContext.value)
            }
        }
        // Small JSON requests run on this event loop (no thread hand-off); big bodies, and XML
        // whatever its size (libxml2 parsing is not cheap enough for a loop), on the pool.
        let onLoop = body.readableBytes <= Self.onLoopBodyLimit && RPCEncoding.sniff(body.readableBytesView) == .json
        let task = onLoop
            ? Task(executorPreference: executor(for: loop)) { await work() }
            : Task { await work() }
        if let id { shared.registry.begin(id, task: task) }
    }

    /// Writes the reply of request number `serial`, unless the connection has moved on.
    private func finish(serial: UInt64, reply: [UInt8], context: ChannelHandlerContext) {
        guard self.serial == serial, case .dispatching(let head) = state else { return }
        self.reply(reply, status: .ok, head: head, context: context)
    }

    /// Writes a reply and returns to idle (or closes the connection when it must not be kept).
    private func reply(_ bytes: [UInt8], status: HTTPResponseStatus, head: HTTPRequestHead, forceClose: Bool = false, context: ChannelHandlerContext) {
        if let id = connectionID { shared.registry.end(id) }
        // The registry's flag is set before long polls are cancelled, so a poll answered because
        // of the drain always closes its connection, even if it beats the DrainEvent here.
        let keepAlive = head.isKeepAlive && !forceClose && !draining && !shared.registry.isDraining
        var headers = HTTPHeaders()
        headers.reserveCapacity(3)
        // The reply is in the request's kind: an XML-RPC reply starts with `<`.
        headers.add(name: "Content-Type", value: RPCEncoding.sniff(bytes) == .xml ? "text/xml" : "application/json")
        headers.add(name: "Content-Length", value: String(bytes.count))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if head.version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        lastActivity = .now()
        if keepAlive {
            state = .idle
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            state = .closing
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                loopBoundContext.value.close(promise: nil)
            }
        }
    }

    // MARK: Helpers

    /// A JSON-RPC v1 error body for a request refused before dispatch.
    static func errorBody(_ message: String) -> [UInt8] {
        RPCResponse.render(.failure(.xenops(.internalError(message))), flavour: .v1, id: .null)
    }
}

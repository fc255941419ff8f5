import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP reply: status and body.
struct RemoteHTTPReply: Sendable {
    var status: Int
    var body: [UInt8]
}

/// Why one exchange failed, in words for the log.
struct RemoteHTTPError: Error, CustomStringConvertible {
    var description: String
}

/// One HTTP/1.1 request and its reply on a fresh TCP connection, then the connection is
/// closed (as xenopsd's client does: one call per connection).
enum RemoteHTTPExchange {
    static func run(body: [UInt8], target: RemoteXenopsClient.Target, client: RemoteXenopsClient) async throws(RemoteHTTPError) -> RemoteHTTPReply {
        let loop = client.group.next()
        let promise = loop.makePromise(of: RemoteHTTPReply.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(TimeAmount(client.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: TimeAmount(client.readTimeout)))
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(ReplyCollector(promise: promise, limit: client.maxReplyBytes, readTimeout: client.readTimeout))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            promise.fail(error)
            throw RemoteHTTPError(description: "cannot connect to \(target.host):\(target.port): \(error)")
        }
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "xenopsd-ng")
        headers.add(name: "Host", value: target.hostHeader)
        headers.add(name: "Content-Length", value: String(body.count))
        if let authorization = target.authorization { headers.add(name: "Authorization", value: authorization) }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: target.resource, headers: headers)
        var buffer = channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { promise.fail($0) }
        defer { channel.close(promise: nil) }
        do {
            return try await promise.futureResult.get()
        } catch let error as RemoteHTTPError {
            throw error
        } catch {
            throw RemoteHTTPError(description: "the exchange failed: \(error)")
        }
    }
}

/// Collects one response; fails on a too-large body, a read timeout or an early close.
private final class ReplyCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<RemoteHTTPReply>
    private let limit: Int
    private let readTimeout: Duration
    private var status = 0
    private var body: [UInt8] = []
    private var done = false

    init(promise: EventLoopPromise<RemoteHTTPReply>, limit: Int, readTimeout: Duration) {
        self.promise = promise
        self.limit = limit
        self.readTimeout = readTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let chunk):
            guard body.count + chunk.readableBytes <= limit else {
                fail(context, "the reply is larger than \(limit) bytes")
                return
            }
            body.append(contentsOf: chunk.readableBytesView)
        case .end:
            done = true
            promise.succeed(RemoteHTTPReply(status: status, body: body))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            fail(context, "no reply within the read timeout of \(readTimeout)")
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(context, "the connection closed before the reply was complete")
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, "\(error)")
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        guard !done else { return }
        done = true
        promise.fail(RemoteHTTPError(description: reason))
        context.close(promise: nil)
    }
}

import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import XenopsCore
import XenopsRPC

/// The JSON-RPC listener: HTTP/1.1 `POST /` on a Unix domain socket, built on SwiftNIO.
///
/// Connections are kept alive; each serves its requests in order while any number of
/// connections are served at once. Calls run in Swift tasks, never on an event loop, so a
/// blocking `UPDATES.get` on one connection holds up nothing else.
///
/// ```swift
/// let runner = CallRunner(dispatcher: Dispatcher(service: EngineService(engine: engine)))
/// let server = RPCServer(runner: runner, configuration: .init(socketPath: "/run/xenopsd-ng/xenopsd.sock"))
/// try await server.start()
/// …
/// await server.shutdown()
/// ```
public final class RPCServer: Sendable {
    public let configuration: RPCServerConfiguration
    /// Runs the calls; may be shared with other transports (its long polls are drained by
    /// ``shutdown(gracePeriod:)``).
    public let runner: CallRunner
    private let group: any EventLoopGroup
    /// The group this server created (``RPCServerConfiguration/eventLoopThreads``) and must shut down.
    private let ownedGroup: MultiThreadedEventLoopGroup?
    private let logger: Logger
    private let registry = ConnectionRegistry()

    private struct Listening {
        var channel: (any Channel)?
        var identity: UnixSocketFile.Identity?
        var stopped = false
    }

    private let listening = Mutex(Listening())

    /// A server for `dispatcher`, with a call runner of its own; nothing is bound until ``start()``.
    public convenience init(
        dispatcher: Dispatcher, configuration: RPCServerConfiguration = .init(),
        group: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "xenopsd.server")
    ) {
        let runner = CallRunner(dispatcher: dispatcher, limits: configuration.jsonLimits, logger: logger)
        self.init(runner: runner, configuration: configuration, group: group, logger: logger)
    }

    /// A server whose calls run through `runner` (shared with the daemon's other transports);
    /// nothing is bound until ``start()``.
    /// - Parameter group: The event loops serving connections; by default a group of
    ///   ``RPCServerConfiguration/eventLoopThreads`` threads, or NIO's shared group.
    public init(
        runner: CallRunner, configuration: RPCServerConfiguration = .init(),
        group: (any EventLoopGroup)? = nil,
        logger: Logger = Logger(label: "xenopsd.server")
    ) {
        self.runner = runner
        self.configuration = configuration
        if let group {
            self.group = group
            ownedGroup = nil
        } else if let threads = configuration.eventLoopThreads {
            let owned = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
            self.group = owned
            ownedGroup = owned
        } else {
            self.group = MultiThreadedEventLoopGroup.singleton
            ownedGroup = nil
        }
        self.logger = logger
    }

    /// Binds the socket and starts accepting connections.
    ///
    /// A stale socket file (left by a daemon that died) is replaced; a socket on which another
    /// process still accepts connections is not. The socket is created under a temporary name,
    /// made mode 0600, then moved into place, so it is never reachable with looser permissions.
    /// - Throws: ``ServerError`` saying what failed and what to do.
    public func start() async throws(ServerError) {
        let path = configuration.socketPath
        guard listening.withLock({ $0.channel == nil && !$0.stopped }) else { return }
        try UnixSocketFile.prepare(path)
        let temporary = path + ".new"
        let bindPath = temporary.utf8.count <= UnixSocketFile.maxPathBytes ? temporary : path
        if bindPath != path { UnixSocketFile.remove(temporary, ifStill: UnixSocketFile.identity(temporary)) }

        let channel: any Channel
        do {
            channel = try await bootstrap().bind(unixDomainSocketPath: bindPath).get()
        } catch {
            throw ServerError(.bindFailed, reason: "cannot listen on \(bindPath): \(error)", remedy: "Check that the directory is writable and the path is not in use, or pass another --socket PATH.")
        }
        do {
            try UnixSocketFile.restrict(bindPath)
            if bindPath != path {
                // Someone may have started listening on the path meanwhile: check once more.
                try UnixSocketFile.checkNotInUse(path)
                try UnixSocketFile.rename(bindPath, to: path)
            }
        } catch {
            try? await channel.close()
            UnixSocketFile.remove(bindPath, ifStill: UnixSocketFile.identity(bindPath))
            throw error
        }
        let identity = UnixSocketFile.identity(path)
        listening.withLock { $0.channel = channel; $0.identity = identity }
        logger.info("listening on \(path)")
    }

    /// Checks, before anything else is opened, that the server will be able to listen on
    /// `socketPath`: its directory exists or can be created and is writable, and no other
    /// process accepts connections there. A stale socket file is removed.
    /// - Throws: ``ServerError`` saying what failed and what to do.
    public static func preflight(socketPath: String) throws(ServerError) {
        try UnixSocketFile.prepare(socketPath)
    }

    /// Whether the server is accepting connections.
    public var isListening: Bool { listening.withLock { $0.channel != nil } }

    /// Stops accepting and closes every connection at once, without waiting for requests.
    public func stop() async {
        await shutdown(gracePeriod: .zero)
    }

    /// Graceful shutdown: stops accepting, removes the socket file, answers waiting
    /// `UPDATES.get` calls with what they have (on every transport sharing the runner), lets other requests finish for up to
    /// `gracePeriod` (default: the configured one), then closes what is left.
    public func shutdown(gracePeriod: Duration? = nil) async {
        let (channel, identity, first) = listening.withLock { l -> ((any Channel)?, UnixSocketFile.Identity?, Bool) in
            defer { l.stopped = true; l.channel = nil }
            return (l.channel, l.identity, !l.stopped)
        }
        guard first else { return }
        try? await channel?.close()
        UnixSocketFile.remove(configuration.socketPath, ifStill: identity)

        // The registry's flag is set before long polls are answered, so a poll answered because
        // of the drain always closes its connection.
        registry.startDraining()
        runner.longPolls.drain()
        let deadline = ContinuousClock.now + (gracePeriod ?? configuration.shutdownGracePeriod)
        while registry.count > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if registry.count > 0 {
            if gracePeriod != .zero {
                logger.warning("closing \(registry.count) connection(s) with requests still in progress after the shutdown grace period")
            }
            registry.closeAll()
            let hardDeadline = ContinuousClock.now + .seconds(2)
            while registry.count > 0, ContinuousClock.now < hardDeadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        try? await ownedGroup?.shutdownGracefully()
        logger.info("stopped listening on \(configuration.socketPath)")
    }

    /// The number of open client connections (for tests and diagnostics).
    public var connectionCount: Int { registry.count }

    private func bootstrap() -> ServerBootstrap {
        let shared = HTTPRPCHandler.Shared(
            runner: runner, maxBodyBytes: configuration.maxBodyBytes,
            idleTimeout: TimeAmount(configuration.idleTimeout), logger: logger, registry: registry
        )
        let tick = TimeAmount(configuration.idleTimeout / 4)
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: tick))
                    try sync.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                    try sync.addHandler(HTTPRPCHandler(shared: shared))
                }
            }
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

import XenopsCore

/// How the RPC listener behaves: where it listens and the limits it enforces on clients.
/// Every listener serves JSON-RPC and XML-RPC alike, told apart by the body.
public struct RPCServerConfiguration: Sendable {
    /// The default socket, as in `Docs/operations.md`.
    public static let defaultSocketPath = "/run/xenopsd-ng/xenopsd.sock"

    /// The Unix domain socket to listen on. Its directory is created (mode 0755) if needed;
    /// the socket itself is made mode 0600 before it becomes visible.
    public var socketPath: String
    /// The largest request body accepted, in bytes (default 16 MiB, room for big metadata).
    /// A larger body gets HTTP 413 and the connection is closed.
    public var maxBodyBytes: Int
    /// The deepest JSON nesting accepted in a request (default 64; xenops requests nest a
    /// handful of levels).
    public var maxJSONDepth: Int
    /// How long a connection may sit with no request in progress before the server closes it
    /// (default 300 s). A request in progress — a long `UPDATES.get` — never counts as idle.
    public var idleTimeout: Duration
    /// On graceful shutdown, how long requests in progress may take to finish before their
    /// connections are closed (default 10 s). Waiting `UPDATES.get` calls are answered at once.
    public var shutdownGracePeriod: Duration
    /// The socket's listen backlog.
    public var backlog: Int
    /// How many event-loop threads serve connections; `nil` shares NIO's process-wide group
    /// (one thread per core). Calls run on the Swift concurrency pool either way; on a small
    /// host, fewer loop threads mean fewer context switches.
    public var eventLoopThreads: Int?
    /// Whether a `POST` on any path is served. XAPI (`use-switch=false`) posts to the socket's
    /// own path (`POST /var/lib/xcp/xenopsd`), so the socket at its path accepts any; the main
    /// socket accepts only `/` and `/jsonrpc`.
    public var acceptsAnyPath: Bool

    public init(
        socketPath: String = RPCServerConfiguration.defaultSocketPath,
        maxBodyBytes: Int = 16 << 20,
        maxJSONDepth: Int = 64,
        idleTimeout: Duration = .seconds(300),
        shutdownGracePeriod: Duration = .seconds(10),
        backlog: Int = 256,
        eventLoopThreads: Int? = nil,
        acceptsAnyPath: Bool = false
    ) {
        self.socketPath = socketPath
        self.maxBodyBytes = maxBodyBytes
        self.maxJSONDepth = maxJSONDepth
        self.idleTimeout = idleTimeout
        self.shutdownGracePeriod = shutdownGracePeriod
        self.backlog = backlog
        self.eventLoopThreads = eventLoopThreads
        self.acceptsAnyPath = acceptsAnyPath
    }

    /// The parser limits every request body is decoded with (JSON and XML alike).
    public var jsonLimits: JSONLimits {
        JSONLimits(maxDepth: maxJSONDepth, maxBytes: maxBodyBytes)
    }
}

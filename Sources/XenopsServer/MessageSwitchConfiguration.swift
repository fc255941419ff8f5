import Foundation
import XenopsCore

/// Where and how the daemon serves its queue on the message-switch.
public struct MessageSwitchConfiguration: Sendable {
    /// The switch's socket on an XCP-ng host.
    public static let defaultSocketPath = "/var/run/message-switch/sock"
    /// The queue XAPI's shipped `xapi.conf` sends xenops calls to (`xenopsd-queues`).
    public static let defaultQueue = "org.xen.xapi.xenops.classic"

    /// The switch's Unix socket.
    public var socketPath: String
    /// The queue to serve.
    public var queue: String
    /// The session token sent with `/login` on every connection; upstream's is
    /// `<basename argv0>:<pid>`.
    public var token: String
    /// How long one `/transfer` long poll waits on the switch (upstream: 30 s). The read
    /// timeout on that connection is this plus ``replyTimeout``.
    public var pollTimeout: Duration
    /// How long any other switch request (login, reply, ack) may take before the connection
    /// is given up and made again.
    public var replyTimeout: Duration
    /// The first wait before connecting again after a failure (upstream retries every 0.5 s);
    /// it doubles on each failure up to ``maxReconnectDelay``.
    public var reconnectDelay: Duration
    public var maxReconnectDelay: Duration
    /// On graceful shutdown, how long calls in progress may take to finish and be answered.
    public var shutdownGracePeriod: Duration
    /// The parser limits for `/transfer` replies (each may carry many requests).
    public var transferLimits: JSONLimits

    public init(
        socketPath: String = MessageSwitchConfiguration.defaultSocketPath,
        queue: String = MessageSwitchConfiguration.defaultQueue,
        token: String = MessageSwitchConfiguration.defaultToken,
        pollTimeout: Duration = .seconds(30),
        replyTimeout: Duration = .seconds(30),
        reconnectDelay: Duration = .milliseconds(500),
        maxReconnectDelay: Duration = .seconds(4),
        shutdownGracePeriod: Duration = .seconds(10),
        transferLimits: JSONLimits = JSONLimits(maxDepth: 16, maxBytes: 256 << 20)
    ) {
        self.socketPath = socketPath
        self.queue = queue
        self.token = token
        self.pollTimeout = pollTimeout
        self.replyTimeout = replyTimeout
        self.reconnectDelay = reconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.shutdownGracePeriod = shutdownGracePeriod
        self.transferLimits = transferLimits
    }

    /// `<basename argv0>:<pid>`, as upstream's `whoami`.
    public static var defaultToken: String {
        let program = (CommandLine.arguments.first ?? "xenopsd") as NSString
        return "\(program.lastPathComponent):\(getpid())"
    }
}

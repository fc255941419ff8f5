import ServiceLifecycle

/// Runs an ``RPCServer`` as a swift-service-lifecycle `Service`: binds, serves until a
/// graceful shutdown (SIGTERM/SIGINT in the daemon), then stops accepting, lets requests in
/// progress finish within the grace period and closes.
public struct RPCServerService: Service, CustomStringConvertible {
    public let server: RPCServer
    /// Called once the socket accepts connections (the daemon prints its startup line here).
    private let onListening: @Sendable () -> Void

    public init(server: RPCServer, onListening: @escaping @Sendable () -> Void = {}) {
        self.server = server
        self.onListening = onListening
    }

    public var description: String { "RPC server on \(server.configuration.socketPath)" }

    /// Binds and serves until graceful shutdown. Binding inside the service group means the
    /// group's signal handlers are already in place when the first client can connect.
    /// - Throws: ``ServerError`` when the socket cannot be served.
    public func run() async throws {
        try await server.start()
        onListening()
        // Returns on graceful shutdown; throws CancellationError if the group is cancelled.
        do { try await gracefulShutdown() } catch {
            await server.stop()
            throw error
        }
        await server.shutdown()
    }
}

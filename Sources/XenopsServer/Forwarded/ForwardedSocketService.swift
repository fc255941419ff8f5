import ServiceLifecycle

/// Runs a ``ForwardedSocketServer`` as a swift-service-lifecycle `Service`: listens until a
/// graceful shutdown, then stops accepting and removes the socket file.
public struct ForwardedSocketService: Service, CustomStringConvertible {
    public let server: ForwardedSocketServer

    public init(server: ForwardedSocketServer) {
        self.server = server
    }

    public var description: String { "forwarded socket \(server.path)" }

    /// - Throws: ``ServerError`` when the socket cannot be served.
    public func run() async throws {
        try server.start()
        // Returns on graceful shutdown; throws CancellationError if the group is cancelled.
        do { try await gracefulShutdown() } catch {
            await server.shutdown()
            throw error
        }
        await server.shutdown()
    }
}

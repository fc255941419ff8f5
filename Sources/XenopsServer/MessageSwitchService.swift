import ServiceLifecycle

/// Runs a ``MessageSwitchTransport`` as a swift-service-lifecycle `Service`: serves the queue
/// (connecting in the background until the switch is there) until a graceful shutdown, then
/// stops polling and answers the calls in progress.
public struct MessageSwitchService: Service, CustomStringConvertible {
    public let transport: MessageSwitchTransport

    public init(transport: MessageSwitchTransport) {
        self.transport = transport
    }

    public var description: String {
        "message-switch queue \(transport.configuration.queue) on \(transport.configuration.socketPath)"
    }

    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await transport.run()
            } onGracefulShutdown: {
                transport.shutdown()
            }
        } onCancel: {
            transport.shutdown()
        }
    }
}

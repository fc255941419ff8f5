import Dispatch
import Synchronization

/// A pooled connection with its own serial dispatch queue, on which its blocking I/O runs,
/// so that a call never blocks a thread of Swift's cooperative pool. Cancelling the calling
/// task shuts the socket down, which ends the call at once.
final class ConnectionSlot: Sendable {
    private let queue: DispatchQueue
    private let control = AbortControl()
    private let connection: Mutex<HTTPConnection>

    init(socketPath: String, connectTimeout: Duration, limits: HTTPResponseParser.Limits) {
        queue = DispatchQueue(label: "xenops-client.connection")
        connection = Mutex(HTTPConnection(socketPath: socketPath, connectTimeout: connectTimeout, limits: limits, control: control))
    }

    /// Sends one request and waits for its response.
    func roundTrip(_ request: [UInt8], timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        control.reset()
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) in
                queue.async {
                    let outcome = self.connection.withLock { connection in
                        Result { () throws(TransportError) -> HTTPResponse in try connection.roundTrip(request, deadline: deadline) }
                    }
                    continuation.resume(returning: outcome)
                }
            }
        } onCancel: {
            control.abort()
        }
        return try result.get()
    }
}

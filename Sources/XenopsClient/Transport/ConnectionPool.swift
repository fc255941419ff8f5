import Synchronization

/// A small pool of keep-alive connections: a call takes an idle one or opens a new one, and
/// gives it back afterwards. At most `maxIdle` idle connections are kept; concurrent calls
/// beyond that get connections of their own, closed after use.
final class ConnectionPool: Sendable {
    let socketPath: String
    let connectTimeout: Duration
    let maxIdle: Int
    let limits: HTTPResponseParser.Limits
    private let idle = Mutex<[ConnectionSlot]>([])

    init(socketPath: String, connectTimeout: Duration, maxIdle: Int, limits: HTTPResponseParser.Limits = .init()) {
        self.socketPath = socketPath
        self.connectTimeout = connectTimeout
        self.maxIdle = maxIdle
        self.limits = limits
    }

    /// Runs one request on a pooled connection.
    func roundTrip(_ request: [UInt8], timeout: Duration?) async throws(TransportError) -> HTTPResponse {
        let slot = idle.withLock { $0.popLast() } ?? ConnectionSlot(socketPath: socketPath, connectTimeout: connectTimeout, limits: limits)
        defer { checkIn(slot) }
        return try await slot.roundTrip(request, timeout: timeout)
    }

    /// The number of idle connections kept (for tests).
    var idleCount: Int { idle.withLock { $0.count } }

    /// Closes every idle connection.
    func closeIdle() {
        let slots = idle.withLock { list -> [ConnectionSlot] in
            let all = list
            list.removeAll()
            return all
        }
        _ = slots  // released here; each connection closes its socket in deinit
    }

    private func checkIn(_ slot: ConnectionSlot) {
        idle.withLock { list in
            if list.count < maxIdle { list.append(slot) }
        }
    }
}

import Synchronization

/// The calls that wait for something to happen (`UPDATES.get`), whatever transport carried
/// them, so that a graceful shutdown answers all of them at once with what they have.
///
/// Transports never track long polls themselves: ``CallRunner`` runs every call of a method
/// flagged `longPoll` through ``run(_:)``.
public final class LongPollRegistry: Sendable {
    private struct State {
        var next: UInt64 = 0
        /// How to cancel each long poll in progress.
        var active: [UInt64: @Sendable () -> Void] = [:]
        var draining = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` (a long poll) so that ``drain()`` can cut it short: the body's task is
    /// cancelled, and a cancelled long poll answers with what it has. Once draining, a new
    /// long poll starts cancelled. Cancelling the caller cancels the body too.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        let task = Task { await body() }
        let (id, draining) = state.withLock { s -> (UInt64, Bool) in
            s.next += 1
            s.active[s.next] = { task.cancel() }
            return (s.next, s.draining)
        }
        if draining { task.cancel() }
        let value = await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
        _ = state.withLock { $0.active.removeValue(forKey: id) }
        return value
    }

    /// Answers every long poll in progress now, and every later one at once.
    public func drain() {
        let cancels = state.withLock { s -> [@Sendable () -> Void] in
            s.draining = true
            return Array(s.active.values)
        }
        for cancel in cancels { cancel() }
    }

    /// Whether ``drain()`` was called.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// The number of long polls in progress (for diagnostics and tests).
    public var count: Int { state.withLock { $0.active.count } }
}

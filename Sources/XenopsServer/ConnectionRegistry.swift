import NIOCore
import Synchronization

/// The open connections of an ``RPCServer`` and the request each is serving, so that a
/// graceful shutdown can close idle connections, wait for requests in progress and then close
/// what is left. (Waiting `UPDATES.get` calls are answered by the ``LongPollRegistry``.)
final class ConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        /// The task serving the current request, if one is in progress.
        var task: Task<Void, Never>?
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var draining = false
    }

    private let state = Mutex(State())

    /// Registers a new connection; returns its id, or `nil` when the server is shutting down.
    func add(_ channel: any Channel) -> UInt64? {
        state.withLock { s -> UInt64? in
            guard !s.draining else { return nil }
            s.nextID += 1
            s.entries[s.nextID] = Entry(channel: channel)
            return s.nextID
        }
    }

    /// Forgets a closed connection and cancels the request it was serving, if any.
    func cancelAndRemove(_ id: UInt64) {
        let task = state.withLock { s in s.entries.removeValue(forKey: id)?.task }
        task?.cancel()
    }

    /// Records the task serving the connection's current request.
    func begin(_ id: UInt64, task: Task<Void, Never>) {
        state.withLock { s in s.entries[id]?.task = task }
    }

    /// Records that the connection's request finished.
    func end(_ id: UInt64) {
        state.withLock { s in s.entries[id]?.task = nil }
    }

    /// Whether the server is shutting down.
    var isDraining: Bool { state.withLock { $0.draining } }

    /// The number of requests in progress.
    var busyCount: Int { state.withLock { s in s.entries.values.count { $0.task != nil } } }

    /// The number of open connections.
    var count: Int { state.withLock { $0.entries.count } }

    /// Starts draining: tells every connection's handler, on its event loop, to close once it
    /// is idle (a reply written from now on closes its connection).
    func startDraining() {
        let channels = state.withLock { s -> [any Channel] in
            s.draining = true
            return s.entries.values.map(\.channel)
        }
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(DrainEvent()) }
    }

    /// Closes every connection still open (cancelling the requests they serve).
    func closeAll() {
        let channels = state.withLock { s in s.entries.values.map(\.channel) }
        for channel in channels { channel.close(promise: nil) }
    }
}

/// Sent through each connection's pipeline when the server starts a graceful shutdown: the
/// handler closes the connection now if it is idle, else right after its current reply.
struct DrainEvent: Sendable {}

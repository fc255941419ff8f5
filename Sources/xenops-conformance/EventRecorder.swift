import Foundation
import Synchronization
import XenopsBackend

/// Consumes a backend's event stream (it has one consumer) and keeps the events for cases.
final class EventRecorder: Sendable {
    private let events = Mutex<[BackendEvent]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(_ stream: AsyncStream<BackendEvent>) {
        let t = Task { [weak self] in
            for await e in stream { self?.events.withLock { $0.append(e) } }
        }
        task.withLock { $0 = t }
    }

    func stop() { task.withLock { $0?.cancel() } }

    var all: [BackendEvent] { events.withLock { $0 } }

    /// Waits until an event matching `predicate` has been seen, or fails after `timeout` seconds.
    func waitFor(_ what: String, timeout: Double, _ predicate: @Sendable (BackendEvent) -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
        while !all.contains(where: predicate) {
            if ContinuousClock.now >= deadline { throw CaseFailure(description: "no \(what) event within \(timeout) s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

import Synchronization

/// Where the control connection of an incoming migration meets its memory connection.
///
/// The source opens the memory connection (`…/migrate/mem/<id>`) only after sync point 1, by
/// which time the receive has opened a slot for `<id>`. The memory handler parks its stream in
/// the slot and waits until the receive has finished with it (its descriptor must stay open
/// until the restore has read it); the receive takes the stream, bounded in time.
final class MemoryRendezvous: Sendable {
    private struct Slot {
        var memory: (any MigrationStream)?
        var memoryWaiter: CheckedContinuation<(any MigrationStream)?, Never>?
        var releaseWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let slots = Mutex<[String: Slot]>([:])

    /// Opens the slot of an incoming migration; false if one is already open for `id`.
    func open(_ id: String) -> Bool {
        slots.withLock { s in
            guard s[id] == nil else { return false }
            s[id] = Slot()
            return true
        }
    }

    /// Parks a memory connection in the slot of `id`. False if no migration of `id` is
    /// being received or it already has its memory connection.
    func offer(_ id: String, _ stream: any MigrationStream) -> Bool {
        let (accepted, waiter) = slots.withLock { s -> (Bool, CheckedContinuation<(any MigrationStream)?, Never>?) in
            guard var slot = s[id], slot.memory == nil else { return (false, nil) }
            slot.memory = stream
            let waiter = slot.memoryWaiter
            slot.memoryWaiter = nil
            s[id] = slot
            return (true, waiter)
        }
        waiter?.resume(returning: stream)
        return accepted
    }

    /// Waits until the slot of `id` is closed (the receive no longer needs `stream`).
    func waitUntilReleased(_ id: String, _ stream: any MigrationStream) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let registered = slots.withLock { s -> Bool in
                guard var slot = s[id], slot.memory === stream else { return false }
                slot.releaseWaiters.append(c)
                s[id] = slot
                return true
            }
            if !registered { c.resume() }
        }
    }

    /// The memory connection of `id`, waiting up to `timeout` for it. Nil on timeout; throws
    /// `CancellationError` if the calling task is cancelled.
    func memory(_ id: String, timeout: Duration) async throws -> (any MigrationStream)? {
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            wake(id)
        }
        defer { timer.cancel() }
        let stream = await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<(any MigrationStream)?, Never>) in
                let ready = slots.withLock { s -> (any MigrationStream)?? in
                    guard var slot = s[id] else { return .some(nil) }
                    if let memory = slot.memory { return .some(memory) }
                    slot.memoryWaiter = c
                    s[id] = slot
                    return .none
                }
                if case .some(let value) = ready { c.resume(returning: value) }
            }
        } onCancel: {
            wake(id)
        }
        try Task.checkCancellation()
        return stream
    }

    /// Closes the slot of `id`: the memory handler (if any) may return and close its
    /// connection, and a waiting receive gets nil.
    func close(_ id: String) {
        let slot = slots.withLock { $0.removeValue(forKey: id) }
        slot?.memoryWaiter?.resume(returning: nil)
        for waiter in slot?.releaseWaiters ?? [] { waiter.resume() }
    }

    /// Resumes a waiting receive with nil (timeout or cancellation).
    private func wake(_ id: String) {
        let waiter = slots.withLock { s -> CheckedContinuation<(any MigrationStream)?, Never>? in
            let waiter = s[id]?.memoryWaiter
            s[id]?.memoryWaiter = nil
            return waiter
        }
        waiter?.resume(returning: nil)
    }
}

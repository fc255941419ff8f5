import Synchronization
import XenopsCore

/// The UPDATES event stream: a coalescing map from object id to the counter of its last
/// change, with long-poll readers and per-VM barriers (xapi-idl `updates.ml`).
///
/// Every change of a VM, device or task calls ``signal(_:)``. A reader asks for everything
/// changed after the counter it last saw; repeated changes of one object coalesce into one
/// entry. Barriers snapshot a VM's entries under a client-chosen token so that XAPI can tell
/// when it has processed everything up to a point.
public final class UpdatesFeed: Sendable {
    private struct BarrierRecord {
        var token: Int
        var counter: Int
        var snapshot: [(DynamicID, Int)]
    }

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        /// The counter the next change gets.
        var next = 0
        var entries: [DynamicID: Int] = [:]
        var barriers: [BarrierRecord] = []
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Records that `id` changed and wakes every waiting reader.
    public func signal(_ id: DynamicID) {
        signal([id])
    }

    /// Records that several objects changed, with one wake-up.
    public func signal(_ ids: [DynamicID]) {
        guard !ids.isEmpty else { return }
        let woken = state.withLock { s -> [Waiter] in
            for id in ids {
                s.entries[id] = s.next
                s.next += 1
            }
            return Self.takeWaiters(&s)
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Forgets `id` (its object was destroyed): it is never reported again.
    public func remove(_ id: DynamicID) {
        state.withLock { s in _ = s.entries.removeValue(forKey: id) }
    }

    /// Forgets every id that belongs to `vm` (the VM and its devices).
    public func removeVM(_ vm: String) {
        state.withLock { s in
            s.entries = s.entries.filter { $0.key.vmID != vm }
        }
    }

    /// The counter of the most recent change (`UPDATES.last_id`).
    public var lastID: Int { state.withLock { $0.next - 1 } }

    /// Snapshots the entries of `vm` under `token` (`UPDATES.inject_barrier`).
    public func injectBarrier(vm: String, token: Int) {
        let woken = state.withLock { s -> [Waiter] in
            let snapshot = s.entries.filter { $0.key.vmID == vm }.map { ($0.key, $0.value) }
            s.barriers.append(BarrierRecord(token: token, counter: s.next, snapshot: snapshot))
            s.next += 1
            return Self.takeWaiters(&s)
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Drops the barrier `token` (`UPDATES.remove_barrier`).
    public func removeBarrier(token: Int) {
        state.withLock { s in s.barriers.removeAll { $0.token == token } }
    }

    /// Everything changed after `from` (`nil`: everything), without waiting.
    public func snapshot(from: Int?) -> UpdatesResult {
        state.withLock { Self.collect(from: from ?? -1, in: $0) }
    }

    /// `UPDATES.get`: returns as soon as something changed after `from`, or after `timeout`
    /// seconds with nothing (`next` equals `from`). No timeout waits until a change or until
    /// the calling task is cancelled.
    public func get(from: Int?, timeout: Double?) async -> UpdatesResult {
        let start = ContinuousClock.now
        let floor = from ?? -1
        while true {
            let result = state.withLock { Self.collect(from: floor, in: $0) }
            if !result.ids.isEmpty || !result.barriers.isEmpty { return result }
            if Task.isCancelled { return result }
            var remaining: Duration? = nil
            if let timeout {
                let left = Duration.milliseconds(Int64(timeout * 1000)) - (ContinuousClock.now - start)
                if left <= .zero { return result }
                remaining = left
            }
            await waitForChange(after: floor, timeout: remaining)
        }
    }

    /// Suspends until a change newer than `floor` happens, the timeout passes or the task is cancelled.
    private func waitForChange(after floor: Int, timeout: Duration?) async {
        let waiterID = state.withLock { s -> UInt64 in
            s.nextWaiterID += 1
            return s.nextWaiterID
        }
        let timer: Task<Void, Never>? = timeout.map { t in
            Task { [weak self] in
                try? await Task.sleep(for: t)
                self?.wake(waiterID)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    // A change may have landed between the check and now.
                    if s.next - 1 > floor, !Self.collect(from: floor, in: s).ids.isEmpty { return true }
                    if s.barriers.contains(where: { $0.counter > floor }) { return true }
                    s.waiters.append(Waiter(id: waiterID, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.wake(waiterID)
        }
        timer?.cancel()
    }

    private func wake(_ waiterID: UInt64) {
        let waiter = state.withLock { s -> Waiter? in
            guard let index = s.waiters.firstIndex(where: { $0.id == waiterID }) else { return nil }
            return s.waiters.remove(at: index)
        }
        waiter?.continuation.resume()
    }

    private static func takeWaiters(_ s: inout State) -> [Waiter] {
        let waiters = s.waiters
        s.waiters.removeAll(keepingCapacity: true)
        return waiters
    }

    private static func collect(from: Int, in s: State) -> UpdatesResult {
        var changed: [(DynamicID, Int)] = []
        var next = from
        for (id, counter) in s.entries where counter > from {
            changed.append((id, counter))
            next = max(next, counter)
        }
        changed.sort { $0.1 < $1.1 }
        var barriers: [Barrier] = []
        for record in s.barriers where record.counter > from {
            let ids = record.snapshot.filter { $0.1 > from }.sorted { $0.1 < $1.1 }.map(\.0)
            barriers.append(Barrier(id: record.token, ids: ids))
            next = max(next, record.counter)
        }
        return UpdatesResult(barriers: barriers, ids: changed.map(\.0), next: next)
    }

    /// Counts for diagnostics.
    public var diagnostics: (entries: Int, barriers: Int, waiters: Int, next: Int) {
        state.withLock { ($0.entries.count, $0.barriers.count, $0.waiters.count, $0.next) }
    }
}

import Synchronization

/// Per-VM FIFO queues served by a bounded number of workers (xenopsd's tagged work queues).
///
/// Work for one VM runs strictly one item at a time, in submission order. Different VMs run
/// in parallel, up to `workers` at once; VMs with pending work take turns round-robin, so a
/// VM with a long queue cannot starve the others. Submission is synchronous: when
/// ``submit(vm:_:)`` returns, the item's place in its queue is fixed, so `VM.start`
/// followed at once by `VM.unpause` always runs in that order.
///
/// A work item never waits on another queued item (sub-steps of one operation run inline or
/// as child tasks), so the pool cannot deadlock the way xenopsd's did (CA-410782).
public final class VMQueues: Sendable {
    public typealias Job = @Sendable () async -> Void

    private struct State {
        var workers: Int
        var running = 0
        var queues: [String: [Job]] = [:]
        /// VMs with pending work and no item running, in turn order.
        var ready: [String] = []
        var readyHead = 0
        var active: Set<String> = []
        var closed = false
    }

    private let state: Mutex<State>

    public init(workers: Int) {
        state = Mutex(State(workers: max(1, workers)))
    }

    /// Queues `job` behind everything already queued for `vm`.
    public func submit(vm: String, _ job: @escaping Job) {
        state.withLock { s in
            s.queues[vm, default: []].append(job)
            if !s.active.contains(vm), s.queues[vm]!.count == 1 {
                s.ready.append(vm)
            }
        }
        pump()
    }

    /// Queues `body` on `vm`'s queue and waits for its result.
    public func run<T: Sendable>(vm: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit(vm: vm) {
                do { continuation.resume(returning: try await body()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    /// Changes the number of workers (`HOST.set_worker_pool_size`).
    public func setWorkers(_ n: Int) {
        state.withLock { $0.workers = max(1, n) }
        pump()
    }

    /// Pending items per VM and the running count, for diagnostics.
    public var snapshot: (running: Int, workers: Int, pending: [String: Int]) {
        state.withLock { s in (s.running, s.workers, s.queues.mapValues(\.count)) }
    }

    /// Whether `vm` has work queued or running.
    public func isBusy(_ vm: String) -> Bool {
        state.withLock { s in s.active.contains(vm) || !(s.queues[vm]?.isEmpty ?? true) }
    }

    private func pump() {
        while let (vm, job) = takeNext() {
            Task {
                await job()
                self.finished(vm)
            }
        }
    }

    private func takeNext() -> (String, Job)? {
        state.withLock { s -> (String, Job)? in
            guard s.running < s.workers else { return nil }
            var picked: (String, [Job])?
            while picked == nil, s.readyHead < s.ready.count {
                let vm = s.ready[s.readyHead]
                s.readyHead += 1
                if let queue = s.queues[vm], !queue.isEmpty, !s.active.contains(vm) { picked = (vm, queue) }
            }
            if s.readyHead > 1024, s.readyHead * 2 > s.ready.count {
                s.ready.removeFirst(s.readyHead)
                s.readyHead = 0
            }
            guard let (vm, pending) = picked else { return nil }
            var queue = pending
            let job = queue.removeFirst()
            s.queues[vm] = queue.isEmpty ? nil : queue
            s.active.insert(vm)
            s.running += 1
            return (vm, job)
        }
    }

    private func finished(_ vm: String) {
        state.withLock { s in
            s.running -= 1
            s.active.remove(vm)
            if let queue = s.queues[vm], !queue.isEmpty {
                s.ready.append(vm)  // round-robin: back of the line
            }
        }
        pump()
    }
}

import Dispatch
import Glibc
import Synchronization
import XenGlue

/// A fixed set of dedicated pthreads for blocking calls (libxl, xenstore), so they never
/// occupy Swift's cooperative pool (2 threads on a 2-core host) or a NIO event loop.
///
/// Jobs run in FIFO order on whichever worker is free. ``run(_:_:)`` suspends the calling task
/// until its job has finished; a job that has started always runs to completion (blocking C
/// calls cannot be interrupted), so long waits are built from short jobs by the caller.
public final class BlockingPool: Sendable {
    /// Thrown by ``run(_:_:)`` after ``shutdown()``.
    public struct ClosedError: Error, Sendable, CustomStringConvertible {
        public var job: String
        public var description: String { "the libxl worker threads have been shut down; \(job) was not run" }
    }

    struct Job: Sendable {
        var name: String
        var body: @Sendable () -> Void
    }

    struct State {
        var queue: [Job] = []
        var head = 0
        var closed = false
        var threads: [pthread_t] = []
        var busy = 0
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    /// The number of worker threads.
    public let size: Int
    let label: String

    /// Starts `size` worker threads named `<label>-<n>`.
    public init(size: Int = 8, label: String = "libxl") {
        self.size = max(1, size)
        self.label = label
        for i in 0..<self.size {
            let context = Unmanaged.passRetained(WorkerContext(pool: self, name: "\(label)-\(i)"))
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, blockingPoolWorkerMain, context.toOpaque())
            guard rc == 0 else {
                context.release()
                fatalError("pthread_create failed for the libxl worker pool (\(rc))")
            }
            state.withLock { $0.threads.append(thread) }
        }
    }

    /// Runs `body` on a worker thread and returns its result.
    ///
    /// - Throws: whatever `body` throws, or ``ClosedError`` if the pool has been shut down.
    public func run<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            let job = Job(name: name) {
                continuation.resume(returning: Result { try body() })
            }
            if !submit(job) { continuation.resume(returning: .failure(ClosedError(job: name))) }
        }
        return try result.get()
    }

    /// Queues `body` without waiting for it. Returns false if the pool is shut down.
    @discardableResult
    public func submit(_ name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        submit(Job(name: name, body: body))
    }

    private func submit(_ job: Job) -> Bool {
        let accepted = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.queue.append(job)
            return true
        }
        if accepted { available.signal() }
        return accepted
    }

    /// The number of jobs queued or running.
    public var pending: Int {
        state.withLock { $0.queue.count - $0.head + $0.busy }
    }

    /// Lets the queued jobs finish, then stops and joins every worker. Jobs submitted after
    /// this fail with ``ClosedError``. Must not be called from a worker thread.
    public func shutdown() {
        let threads = state.withLock { s -> [pthread_t] in
            guard !s.closed else { return [] }
            s.closed = true
            let t = s.threads
            s.threads = []
            return t
        }
        for _ in threads { available.signal() }
        for t in threads { pthread_join(t, nil) }
    }

    /// The next job, or nil when the pool is closed and drained (the worker then exits).
    fileprivate func next() -> Job? {
        while true {
            available.wait()
            let job = state.withLock { s -> Job?? in
                if s.head < s.queue.count {
                    let job = s.queue[s.head]
                    s.head += 1
                    s.busy += 1
                    if s.head > 64, s.head * 2 > s.queue.count {
                        s.queue.removeFirst(s.head)
                        s.head = 0
                    }
                    return .some(job)
                }
                return s.closed ? .some(nil) : nil
            }
            if let job { return job }
        }
    }

    fileprivate func finished() {
        state.withLock { $0.busy -= 1 }
    }
}

/// What a worker thread needs; retained by the thread for its lifetime.
private final class WorkerContext: Sendable {
    let pool: BlockingPool
    let name: String
    init(pool: BlockingPool, name: String) {
        self.pool = pool
        self.name = name
    }
}

/// A worker's main loop. A nonisolated global function: pthreads call it directly.
private func blockingPoolWorkerMain(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let arg else { return nil }
    let context = Unmanaged<WorkerContext>.fromOpaque(arg).takeRetainedValue()
    _ = xg_set_thread_name(context.name)
    while let job = context.pool.next() {
        job.body()
        context.pool.finished()
    }
    return nil
}

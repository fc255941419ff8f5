import Foundation
import Synchronization

/// Runs blocking descriptor work — `poll`, `read`, `send` on the streams that
/// ``Hypervisor/save(vm:to:live:)`` and ``Hypervisor/restore(_:from:)`` write and read, and on
/// migration and forwarded connections — on a thread of its own, so it never blocks the
/// cooperative pool or an event loop. One thread per call: such calls are few and long (a
/// whole memory image), and a thread that waits in `poll` costs nothing a pool would save.
///
/// The body polls with a short timeout and checks its ``CancelFlag`` between waits; the flag is
/// set when the calling task is cancelled, so the call ends soon after.
public enum BlockingThread {
    /// Set when the waiting task is cancelled; the blocking thread checks it between polls.
    public final class CancelFlag: Sendable {
        private let cancelled = Atomic<Bool>(false)

        public init() {}

        public func cancel() { cancelled.store(true, ordering: .relaxed) }
        public var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    }

    /// Runs `body` on a new thread and returns its result; cancelling the calling task sets the
    /// flag `body` checks.
    ///
    /// SIGPIPE is blocked on that thread: a write to a pipe or socket whose reader has gone
    /// then fails with EPIPE instead of killing the daemon.
    public static func run<T: Sendable>(_ body: @escaping @Sendable (CancelFlag) throws -> T) async throws -> T {
        let flag = CancelFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                Thread.detachNewThread {
                    var pipeSignal = sigset_t()
                    sigemptyset(&pipeSignal)
                    sigaddset(&pipeSignal, SIGPIPE)
                    pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                    do { continuation.resume(returning: try body(flag)) } catch { continuation.resume(throwing: error) }
                }
            }
        } onCancel: {
            flag.cancel()
        }
    }
}

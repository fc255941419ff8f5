import NIOCore

/// Runs Swift tasks on a NIO event loop thread.
///
/// A small request (`VM.stat`, `Task.stat`) does microseconds of work and never blocks: the
/// engine and the backends suspend (they never block a thread) while they wait. Running such a
/// request on the connection's own event loop saves two thread hand-offs (loop → concurrency
/// pool → loop), which dominate its latency. Large bodies (big metadata) still go to the
/// concurrency pool so that decoding them cannot stall other connections.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}

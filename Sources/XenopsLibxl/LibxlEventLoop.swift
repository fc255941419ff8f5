import CXenLight
import Glibc
import Logging
import Synchronization
import XenGlue

/// The one thread that runs libxl's fd and timeout machinery for a context:
/// `libxl_osevent_beforepoll` → `poll` → `libxl_osevent_afterpoll`, with an eventfd in slot 0
/// so ``stop()`` can wake it (libxl-notes §4.2, §6.3).
///
/// Synchronous libxl calls on other threads also run libxl's loop while they wait; this
/// thread is what makes events (domain death, disk eject) and asynchronous operations
/// progress when no call is in flight.
final class LibxlEventLoop: Sendable {
    let ctx: LibxlContextPointer
    let wakeFD: Int32
    let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let thread = Mutex<pthread_t?>(nil)
    /// Iterations so far (for tests and diagnostics).
    let iterations = Atomic<Int>(0)

    /// - Throws: ``LibxlError`` if the eventfd cannot be created.
    init(ctx: LibxlContextPointer, logger: Logger) throws(LibxlError) {
        let fd = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard fd >= 0 else {
            throw LibxlError(function: "eventfd", rc: LibxlErrorCode.fail.rawValue, errno: Glibc.errno,
                             detail: "cannot create the wake-up fd of the libxl event thread",
                             remedy: "The process is out of file descriptors; raise its limit (LimitNOFILE).")
        }
        self.ctx = ctx
        wakeFD = fd
        self.logger = logger
    }

    deinit { close(wakeFD) }

    /// Starts the thread (once).
    func start() throws(LibxlError) {
        let failed: Int32? = thread.withLock { t in
            guard t == nil else { return nil }
            let me = Unmanaged.passRetained(self)
            var th = pthread_t()
            let rc = pthread_create(&th, nil, libxlEventLoopMain, me.toOpaque())
            guard rc == 0 else {
                me.release()
                return rc
            }
            t = th
            return nil
        }
        if let failed {
            throw LibxlError(function: "pthread_create", rc: LibxlErrorCode.fail.rawValue, errno: failed,
                             detail: "cannot start the libxl event thread", remedy: "The system is out of threads or memory.")
        }
    }

    /// Asks the thread to stop, wakes it and joins it. Idempotent.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        var one: UInt64 = 1
        _ = write(wakeFD, &one, MemoryLayout<UInt64>.size)
        let t = thread.withLock { t -> pthread_t? in
            defer { t = nil }
            return t
        }
        if let t { pthread_join(t, nil) }
    }

    var isRunning: Bool { thread.withLock { $0 != nil } }

    /// The loop; runs on the event thread until ``stop()``.
    fileprivate func run() {
        var fds = [pollfd](repeating: pollfd(), count: 32)
        while !stopRequested.load(ordering: .acquiring) {
            iterations.add(1, ordering: .relaxed)
            // Errors libxl logs on this thread belong to whatever completes in this iteration.
            xg_last_error_clear()
            var nfds = Int32(fds.count - 1)
            var timeout: Int32 = -1
            let rc = fds.withUnsafeMutableBufferPointer { buf in
                libxl_osevent_beforepoll(ctx.raw, &nfds, buf.baseAddress.map { $0 + 1 }, &timeout, Self.now())
            }
            if rc == ERROR_BUFFERFULL.rawValue {
                fds = [pollfd](repeating: pollfd(), count: Int(nfds) + 1)
                continue
            }
            if rc != 0 {
                logger.error("libxl_osevent_beforepoll failed (rc \(rc)); retrying in 100 ms")
                usleep(100_000)
                continue
            }
            fds[0] = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
            let polled = poll(&fds, nfds_t(nfds + 1), timeout)
            if polled < 0 {
                let e = Glibc.errno
                if e != EINTR { logger.error("poll failed in the libxl event thread: errno \(e)") }
                for i in fds.indices { fds[i].revents = 0 }
            }
            if fds[0].revents != 0 {
                var value: UInt64 = 0
                _ = read(wakeFD, &value, MemoryLayout<UInt64>.size)
            }
            fds.withUnsafeBufferPointer { buf in
                libxl_osevent_afterpoll(ctx.raw, nfds, buf.baseAddress.map { $0 + 1 }, Self.now())
            }
        }
    }

    static func now() -> timeval {
        var tv = timeval()
        gettimeofday(&tv, nil)
        return tv
    }
}

/// The event thread's entry point. A nonisolated global function (pthreads call it).
private func libxlEventLoopMain(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let arg else { return nil }
    let loop = Unmanaged<LibxlEventLoop>.fromOpaque(arg).takeRetainedValue()
    _ = xg_set_thread_name("libxl-events")
    loop.run()
    return nil
}

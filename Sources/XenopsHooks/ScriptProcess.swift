import CSpawn
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How a script run ended.
enum ScriptOutcome: Sendable, Equatable {
    case exited(Int32)
    case signalled(Int32)
    /// It outlived its time; its process group was killed.
    case timedOut
    /// The calling task was cancelled; its process group was killed.
    case cancelled
    /// `posix_spawn` failed with this errno (not executable, gone, out of resources).
    case couldNotStart(Int32)
}

/// One finished run.
struct ScriptResult: Sendable {
    var outcome: ScriptOutcome
    var stdout: CapturedOutput
    var stderr: CapturedOutput
}

/// Runs one program with an argv — never through a shell, so no argument is ever
/// interpreted — and waits for it without blocking the cooperative pool.
///
/// The program leads a process group of its own, starts with stdin on /dev/null, default
/// signal dispositions, no other descriptor of the daemon, and exactly `environment`.
/// Two dedicated threads watch it: one blocks in `waitpid`, the other `poll`s its stdout and
/// stderr (keeping at most `outputLimit` bytes of each), the deadline and the cancel flag.
/// On timeout or cancellation the whole process group gets SIGKILL. When the program exits,
/// what is already in the pipes is read and the pipes are closed: a child it left running
/// in the background does not hold the run open (as xenopsd, which waits for the pid).
enum ScriptProcess {
    static func run(
        path: [UInt8], arguments: [[UInt8]], environment: [String], timeout: Duration?, outputLimit: Int
    ) async -> ScriptResult {
        let empty = ScriptResult(outcome: .cancelled, stdout: CapturedOutput(limit: outputLimit), stderr: CapturedOutput(limit: outputLimit))
        if Task.isCancelled { return empty }
        guard let cancel = WakePipe() else { return ScriptResult(outcome: .couldNotStart(errno), stdout: empty.stdout, stderr: empty.stderr) }
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let argv = [path] + arguments
        let env = environment.map { Array($0.utf8) }
        return await withTaskCancellationHandler {
            await onDedicatedThread(name: "hook") {
                supervise(argv: argv, environment: env, deadline: deadline, outputLimit: outputLimit, cancel: cancel)
            }
        } onCancel: {
            cancel.signal()
        }
    }

    private static func supervise(
        argv: [[UInt8]], environment: [[UInt8]], deadline: ContinuousClock.Instant?, outputLimit: Int, cancel: WakePipe
    ) -> ScriptResult {
        var result = ScriptResult(outcome: .cancelled, stdout: CapturedOutput(limit: outputLimit), stderr: CapturedOutput(limit: outputLimit))
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var rc = cs_pipe(&outPipe)
        if rc == 0 {
            rc = cs_pipe(&errPipe)
            if rc != 0 { close(outPipe[0]); close(outPipe[1]) }
        }
        guard rc == 0, let exited = WakePipe() else {
            if rc == 0 { rc = errno; for fd in outPipe + errPipe { close(fd) } }
            result.outcome = .couldNotStart(rc)
            return result
        }
        var pid: pid_t = 0
        rc = withCStrings(argv) { cArgv in
            withCStrings(environment) { cEnv in cs_spawn(cArgv[0], cArgv, cEnv, outPipe[1], errPipe[1], &pid) }
        }
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            result.outcome = .couldNotStart(rc)
            return result
        }

        // The reaper: blocks in waitpid, then wakes the poll loop. libxl reaps only its own
        // children (selective reap), so the status is ours.
        let status = ExitStatus()
        let child = pid
        let reaper = Thread {
            var st: Int32 = 0
            while waitpid(child, &st, 0) < 0 && errno == EINTR {}
            status.value.withLock { $0 = st }
            exited.signal()
        }
        reaper.name = "hook-wait"
        reaper.start()

        var streams: [(fd: Int32, isStdout: Bool)] = [(outPipe[0], true), (errPipe[0], false)]
        var ending: ScriptOutcome?
        var done = false
        var buffer = [UInt8](repeating: 0, count: 16 << 10)

        /// Reads once from a ready stream; false at end of stream.
        func readOnce(_ fd: Int32, _ isStdout: Bool) -> Bool {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer.withUnsafeBytes { raw in
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                    if isStdout { result.stdout.append(chunk) } else { result.stderr.append(chunk) }
                }
                return true
            }
            return n < 0 && (errno == EINTR || errno == EAGAIN)
        }

        func killGroup(_ why: ScriptOutcome) {
            ending = why
            // Once reaped, the pid may be reused: only signal a group whose leader we still hold.
            if status.value.withLock({ $0 }) == nil { kill(-child, SIGKILL) }
        }

        while !done {
            var fds = streams.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: exited.readFD, events: Int16(POLLIN), revents: 0))
            if ending == nil { fds.append(pollfd(fd: cancel.readFD, events: Int16(POLLIN), revents: 0)) }
            var wait: Int32 = -1
            if ending == nil, let deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                let ms = left.components.seconds * 1000 + (left.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                wait = Int32(clamping: max(0, ms))
            }
            let n = poll(&fds, nfds_t(fds.count), wait)
            if n < 0 {
                if errno == EINTR { continue }
                killGroup(.cancelled)  // poll cannot fail on valid fds; do not leave the script unwatched
                continue
            }
            if n == 0 {
                killGroup(.timedOut)
                continue
            }
            var open: [(fd: Int32, isStdout: Bool)] = []
            for (i, stream) in streams.enumerated() {
                if fds[i].revents != 0, !readOnce(stream.fd, stream.isStdout) { close(stream.fd) } else { open.append(stream) }
            }
            if fds[streams.count].revents != 0 { done = true }
            if ending == nil, fds.count > streams.count + 1, fds[streams.count + 1].revents != 0 { killGroup(.cancelled) }
            streams = open
        }

        // The script is gone: take what is already written (a bounded number of reads, in
        // case a background child keeps writing), then let go of the pipes.
        for stream in streams {
            for _ in 0..<64 {
                var pfd = pollfd(fd: stream.fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 0) > 0, readOnce(stream.fd, stream.isStdout) else { break }
            }
            close(stream.fd)
        }
        let st = status.value.withLock { $0 } ?? 0
        if let ending {
            result.outcome = ending
        } else if st & 0x7f == 0 {
            result.outcome = .exited((st >> 8) & 0xff)
        } else {
            result.outcome = .signalled(st & 0x7f)
        }
        return result
    }

    /// Calls `body` with a NULL-terminated array of C strings made from `strings`.
    private static func withCStrings<R>(_ strings: [[UInt8]], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { bytes in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBytes { raw in
                for (i, b) in raw.enumerated() { p[i] = CChar(bitPattern: b) }
            }
            p[bytes.count] = 0
            return p
        }
        defer { for p in pointers { p?.deallocate() } }
        return body(pointers + [nil])
    }
}

/// The wait status the reaper thread hands to the poll loop.
private final class ExitStatus: Sendable {
    let value = Mutex<Int32?>(nil)
}

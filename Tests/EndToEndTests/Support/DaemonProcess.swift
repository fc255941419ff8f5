import Foundation
import Testing
import XenopsTestSupport

/// The real `xenopsd` binary, run as a child process on a temporary socket and state
/// directory with `--backend simulator`.
///
/// ```swift
/// let daemon = try await DaemonProcess.start()
/// defer { daemon.cleanup() }
/// let reply = try await daemon.call(#"{"method":"query","params":[{"debug_info":"t","unit":null}],"id":1}"#)
/// ```
/// ``cleanup()`` always kills the child and removes the directory; call it on every path.
// @unchecked: the mutable process handle is only touched from the test's own task, one call at a time.
final class DaemonProcess: @unchecked Sendable {
    /// The temporary root: `state/`, `run/xenopsd.sock` and the daemon's log live under it.
    let directory: String
    let extraArguments: [String]
    private(set) var process: Process?
    /// How many times the daemon was launched (each launch appends to the same log).
    private(set) var launches = 0

    var stateDir: String { directory + "/state" }
    var socketPath: String { directory + "/run/xenopsd.sock" }
    var logPath: String { directory + "/daemon.log" }
    var stdoutPath: String { directory + "/daemon.out" }

    private init(extraArguments: [String]) {
        // Short, because a Unix socket path holds at most 107 bytes.
        directory = "/tmp/xe-\(UUID().uuidString.prefix(8).lowercased())"
        self.extraArguments = extraArguments
    }

    /// Creates the directories and starts the daemon; returns once it answers `query`.
    static func start(_ extraArguments: [String] = []) async throws -> DaemonProcess {
        let daemon = DaemonProcess(extraArguments: extraArguments)
        try FileManager.default.createDirectory(atPath: daemon.directory, withIntermediateDirectories: true)
        do { try await daemon.launch() } catch {
            daemon.cleanup()
            throw error
        }
        return daemon
    }

    /// The arguments of a normal launch.
    var arguments: [String] {
        ["--backend", "simulator", "--socket", socketPath, "--state-dir", stateDir, "--log-level", "debug"] + extraArguments
    }

    /// Starts the binary with ``arguments`` and waits until the socket answers `query`.
    func launch() async throws {
        let process = try spawn(arguments)
        self.process = process
        launches += 1
        let deadline = ContinuousClock.now + .seconds(60)
        let path = socketPath
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw DaemonError("xenopsd exited with status \(process.terminationStatus) before it answered; its log:\n\(log)")
            }
            let answered = (try? await blocking {
                let reply = try RawHTTPConnection(path: path, timeout: 5).post(#"{"method":"query","params":[{"debug_info":"e2e","unit":null}],"id":0}"#)
                return reply.status == 200
            }) ?? false
            if answered { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw DaemonError("xenopsd did not answer on \(path) within 60 s; its log:\n\(log)")
    }

    /// Runs the binary with `arguments` (stdout and stderr appended to the log files) and
    /// returns the running process.
    func spawn(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = try DaemonBinary.locate()
        process.arguments = arguments
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        if !FileManager.default.fileExists(atPath: stdoutPath) { _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil) }
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        err.seekToEndOfFile()
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        out.seekToEndOfFile()
        process.standardError = err
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs the binary to completion with `arguments` and returns its exit status and
    /// stderr (for start-up failures).
    func runToExit(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, stderr: String) {
        let before = log.utf8.count
        let process = try spawn(arguments)
        guard await Self.wait(process, timeout: timeout) else {
            process.terminate()
            throw DaemonError("xenopsd \(arguments.joined(separator: " ")) did not exit within \(timeout)")
        }
        return (process.terminationStatus, String(log.utf8.dropFirst(before)) ?? "")
    }

    /// Sends `signal` to the running daemon.
    func kill(_ signal: Int32) {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
    }

    /// Waits until the daemon has exited; returns its exit status, or `nil` on timeout or if
    /// it died of a signal.
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        guard let process else { return nil }
        guard await Self.wait(process, timeout: timeout) else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// Kills the daemon with SIGKILL (if it runs) and starts it again on the same directories.
    func restart() async throws {
        kill(SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
        try await launch()
    }

    /// Kills the daemon if it still runs and removes every file it used.
    func cleanup() {
        process?.killAndWait()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The daemon's stderr so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    /// The daemon's stdout so far.
    var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }

    /// One request on a fresh connection.
    func call(_ body: String) async throws -> RawHTTPResponse {
        let path = socketPath
        return try await blocking { try RawHTTPConnection(path: path).post(body) }
    }

    private static func wait(_ process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return !process.isRunning
    }
}

/// A failure of the daemon harness, with the daemon's log when there is one.
struct DaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Finds the `xenopsd` executable that `swift build` puts next to the test binary.
enum DaemonBinary {
    static let name = "xenopsd"

    /// `$XENOPSD_BINARY`, else the directory of the running test binary (and its parents),
    /// else `.build/debug` and `.build/release` of this package.
    static func locate() throws -> URL {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["XENOPSD_BINARY"], !explicit.isEmpty {
            guard fileManager.isExecutableFile(atPath: explicit) else { throw notFound([explicit]) }
            return URL(fileURLWithPath: explicit)
        }
        var directories: [URL] = []
        var binaries: [URL] = []
        if let exe = try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe") { binaries.append(URL(fileURLWithPath: exe)) }
        if let exe = Bundle.main.executableURL { binaries.append(exe) }
        binaries.append(URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL)
        for binary in binaries {
            var directory = binary.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                directories.append(directory)
                directory = directory.deletingLastPathComponent()
            }
        }
        // Tests/EndToEndTests/Support/<this file> → the package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        directories.append(packageRoot.appendingPathComponent(".build/release"))
        var searched: [String] = []
        for directory in directories {
            let candidate = directory.appendingPathComponent(name).path
            guard !searched.contains(candidate) else { continue }
            searched.append(candidate)
            if fileManager.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw notFound(searched)
    }

    private static func notFound(_ searched: [String]) -> DaemonError {
        DaemonError("""
            cannot find the \(name) executable the end-to-end tests run (looked in: \(searched.joined(separator: ", "))). \
            Build it first with `swift build --build-tests` in the package directory, then run the tests again; \
            or set XENOPSD_BINARY to its path.
            """)
    }
}

/// Runs `body` against a fresh daemon and always kills it and removes its files.
func withDaemon(_ extraArguments: [String] = [], _ body: (DaemonProcess) async throws -> Void) async throws {
    let daemon = try await DaemonProcess.start(extraArguments)
    do { try await body(daemon) } catch {
        daemon.cleanup()
        throw error
    }
    daemon.cleanup()
}

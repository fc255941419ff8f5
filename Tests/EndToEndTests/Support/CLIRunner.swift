import Foundation
import XenopsTestSupport

/// Runs the real `xenopsctl` binary and captures what it printed and how it exited.
///
/// ```swift
/// let result = try await CLIRunner(socket: daemon.socketPath).run("vm", "list")
/// #expect(result.status == 0)
/// ```
struct CLIRunner: Sendable {
    /// What one run printed and returned.
    struct Result: Sendable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String

        /// The stdout lines, without the empty last one.
        var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }

        var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    /// The socket passed with `--socket` (nil: none, so XENOPSD_SOCKET or the default applies).
    var socket: String?
    /// Extra environment variables (XENOPSD_SOCKET is removed unless set here).
    var environment: [String: String] = [:]

    init(socket: String?, environment: [String: String] = [:]) {
        self.socket = socket
        self.environment = environment
    }

    /// Runs `xenopsctl arguments… [--socket S]` to completion.
    func run(_ arguments: String..., stdin: String? = nil, timeout: Duration = .seconds(60)) async throws -> Result {
        try await start(arguments, stdin: stdin).wait(timeout: timeout)
    }

    /// Runs `xenopsctl` with an argument array to completion.
    func run(arguments: [String], stdin: String? = nil, timeout: Duration = .seconds(60)) async throws -> Result {
        try await start(arguments, stdin: stdin).wait(timeout: timeout)
    }

    /// Starts `xenopsctl` and returns at once (for `events`, which runs until stopped).
    func start(_ arguments: [String], stdin: String? = nil) throws -> Running {
        let process = Process()
        process.executableURL = try CLIBinary.locate()
        process.arguments = arguments + (socket.map { ["--socket", $0] } ?? [])
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "XENOPSD_SOCKET")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xenopsctl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("stdout"), err = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = directory.appendingPathComponent("stdin")
            _ = FileManager.default.createFile(atPath: input.path, contents: Data(stdin.utf8))
            process.standardInput = try FileHandle(forReadingFrom: input)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        return Running(process: process, directory: directory)
    }

    /// A started `xenopsctl`.
    // @unchecked: Process is not Sendable; it is only touched by the test task that started it.
    final class Running: @unchecked Sendable {
        let process: Process
        let directory: URL

        init(process: Process, directory: URL) {
            self.process = process
            self.directory = directory
        }

        /// What it printed on stdout so far.
        var stdout: String { (try? String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8)) ?? "" }

        /// Waits for it to exit (killing it after `timeout`) and returns what it printed.
        func wait(timeout: Duration = .seconds(60)) async throws -> Result {
            let deadline = ContinuousClock.now + timeout
            while process.isRunning && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning {
                process.terminate()
                if !process.waitForExit(timeout: .seconds(10)) { process.killAndWait() }
                let partial = result()
                throw DaemonError("xenopsctl \(process.arguments?.joined(separator: " ") ?? "") did not exit within \(timeout)\n\(partial)")
            }
            return result()
        }

        /// Stops it with SIGTERM if it still runs.
        func stop() {
            if process.isRunning {
                process.terminate()
                if !process.waitForExit(timeout: .seconds(10)) { process.killAndWait() }
            }
            try? FileManager.default.removeItem(at: directory)
        }

        private func result() -> Result {
            let out = (try? String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8)) ?? ""
            let err = (try? String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: directory)
            return Result(status: process.terminationStatus, stdout: out, stderr: err)
        }
    }
}

/// Finds the `xenopsctl` executable next to `xenopsd` (both are built by `swift build`).
enum CLIBinary {
    static func locate() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["XENOPSCTL_BINARY"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let daemon = try DaemonBinary.locate()
        let candidate = daemon.deletingLastPathComponent().appendingPathComponent("xenopsctl")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw DaemonError("cannot find xenopsctl next to \(daemon.path); build it with `swift build --build-tests`, or set XENOPSCTL_BINARY")
        }
        return candidate
    }
}

import Foundation
import Testing
import XenopsCore
import XenopsTestSupport
import XenopsTestSwitch

/// The `xenops-test-switch` executable, run as a child process on a socket in a temporary
/// directory, so that a test can kill it (SIGKILL) and start it again on the same path.
// @unchecked: the process handle is only touched from the test's own task, one call at a time.
final class SwitchProcess: @unchecked Sendable {
    let directory: String
    private(set) var process: Process?

    var socketPath: String { directory + "/switch.sock" }
    var logPath: String { directory + "/switch.log" }

    /// A switch that is not started yet: its socket path is known, nothing listens there.
    init() {
        directory = "/tmp/xs-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Starts a switch; returns once it accepts connections.
    static func start() async throws -> SwitchProcess {
        let process = SwitchProcess()
        do { try await process.launch() } catch {
            process.cleanup()
            throw error
        }
        return process
    }

    /// Starts the binary (creating the directory if needed) and waits until a login on its socket succeeds.
    func launch() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = ["--socket", socketPath]
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        let path = socketPath
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw DaemonError("xenops-test-switch exited with status \(process.terminationStatus)") }
            let up = (try? await blocking {
                let connection = try RawHTTPConnection(path: path, timeout: 5)
                try connection.send(RawHTTPConnection.request("", method: "GET", path: "/login/probe", headers: []))
                return try connection.readResponse().status == 200
            }) ?? false
            if up { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DaemonError("xenops-test-switch did not listen on \(path) within 30 s")
    }

    /// Kills the switch with SIGKILL: every queue and message it held is lost.
    func kill() {
        process?.killAndWait()
    }

    /// Kills the switch and removes its directory.
    func cleanup() {
        process?.killAndWait()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The unacknowledged message ids of `queue` (from `GET /`, the switch's diagnostics).
    func pendingIDs(_ queue: String) async throws -> [Int64] {
        let path = socketPath
        let body = try await blocking {
            let connection = try RawHTTPConnection(path: path, timeout: 10)
            try connection.send(RawHTTPConnection.request("", method: "GET", path: "/", headers: []))
            return try connection.readResponse().body
        }
        let contents = try JSONValue.parse(body)["permanent_queues"]?[queue]?["queue_contents"]?.arrayElements ?? []
        return contents.compactMap { entry -> Int64? in
            guard case .int(let id)? = entry.arrayElements?.first?.arrayElements?.last else { return nil }
            return id
        }
    }

    /// `xenops-test-switch`, next to `xenopsd`.
    static func binary() throws -> URL {
        let daemon = try DaemonBinary.locate()
        let candidate = daemon.deletingLastPathComponent().appendingPathComponent("xenops-test-switch")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw DaemonError("cannot find xenops-test-switch next to \(daemon.path); build it with `swift build --build-tests`")
        }
        return candidate
    }
}

/// The queue the daemon serves in these tests (the default, XAPI's).
let xenopsQueue = "org.xen.xapi.xenops.classic"

/// Runs `body` with a switch process, a daemon serving its queue through it, and an XAPI-side
/// client; always stops all three.
func withSwitchedDaemon(
    _ extraArguments: [String] = [],
    _ body: (SwitchProcess, DaemonProcess, XAPISwitchClient) async throws -> Void
) async throws {
    let switchProcess = try await SwitchProcess.start()
    let client = XAPISwitchClient(switchPath: switchProcess.socketPath)
    var daemon: DaemonProcess?
    do {
        daemon = try await DaemonProcess.start(["--message-switch", switchProcess.socketPath] + extraArguments)
        try await client.start()
        try await body(switchProcess, daemon!, client)
    } catch {
        client.stop()
        daemon?.cleanup()
        switchProcess.cleanup()
        throw error
    }
    client.stop()
    daemon?.cleanup()
    switchProcess.cleanup()
}

extension XAPISwitchClient {
    /// Sends a document on the daemon's queue and returns the reply's `result`, failing on an
    /// error reply.
    func result(_ body: String) async throws -> JSONValue {
        let reply = try JSONValue.parse(try await call(body, queue: xenopsQueue))
        guard reply["error"] == .null else { throw DaemonError("\(body.prefix(80))… failed: \(reply.jsonString)") }
        return reply["result"] ?? .null
    }

    /// The reply text of a document sent on the daemon's queue.
    func text(_ body: String) async throws -> String {
        try await call(body, queue: xenopsQueue)
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

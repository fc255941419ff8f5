import Foundation
import XenopsCore

/// A xenopsd process started for the benchmark, on a temporary socket and state directory.
final class BenchDaemon {
    let process = Process()
    let directory: String
    let socket: String

    init(binary: String, workers: Int, stepLatencyMs: Int, extra: [String] = []) throws {
        directory = NSTemporaryDirectory() + "xenops-bench-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socket = directory + "/xenopsd.sock"
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--backend", "simulator", "--socket", socket, "--state-dir", directory + "/state",
            "--workers", String(workers), "--sim-step-latency-ms", String(stepLatencyMs), "--log-level", "warning",
        ] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/stderr")
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let c = try? RawConnection(socketPath: socket), (try? c.call("query", [JSONMember("unit", .null)])) != nil { return }
            usleep(50_000)
        }
        stop()
        throw BenchError("xenopsd did not answer on \(socket) within 30 s")
    }

    var pid: Int32 { process.processIdentifier }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

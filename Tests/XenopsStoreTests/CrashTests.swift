import Foundation
import Testing
import XenopsStore
import XenopsTestSupport

/// The crash test of the project issue: a child process killed with SIGKILL in the middle
/// of writes, 50 rounds; the store always opens and holds either the old or the new record.
@Suite("Crash safety")
struct CrashTests {
    static let rounds = 50

    @Test("SIGKILL in the middle of writes, 50 rounds: the store opens and holds the last or the next generation")
    func sigkillDuringWrites() async throws {
        let executable = try TortureExecutable.locate()
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        var stored = 0  // the generation the store held after the previous round
        var aheadOfOutput = 0  // rounds where the killed writer had committed one more than it printed
        for round in 1...Self.rounds {
            // From 0 to 20 ms after the first commit: a put takes a few ms, so kills land in
            // every phase of a write (page writes, WAL fsync, checkpoints) and between writes.
            let delay = UInt32.random(in: 0...20_000)
            let output = dir.file("round-\(round)")
            // The run blocks (spawn, wait, kill): keep it off the Swift concurrency pool.
            let run = try await onOwnThread { try TortureRun(executable: executable, path: path, output: output, killAfterMicroseconds: delay) }
            let context = "round \(round), killed \(delay) µs after the first commit; stderr: \(run.stderr)"
            try #require(run.killedBySIGKILL, "the writer was not killed by us: \(run.exitDescription); \(context)")
            let last = try #require(run.generations.last, "the writer committed nothing; \(context)")
            #expect(run.generations == Array((stored + 1)...last), "the writer did not resume after generation \(stored); \(context)")

            let store = try VMStore(path: path)
            let vm = try #require(try store.load(id: TortureRecord.vmID), "the record is gone; \(context)")
            let generation = try #require(
                TortureRecord.generation(ofRuntime: vm.runtime), "no generation in runtime \(vm.runtime ?? "nil"); \(context)")
            #expect(generation == last || generation == last + 1, "stored generation \(generation), last printed \(last); \(context)")
            #expect(vm == TortureRecord.make(generation: generation), "the record of generation \(generation) is torn; \(context)")
            #expect(try store.count() == 1)
            try store.close()
            if generation == last + 1 { aheadOfOutput += 1 }
            stored = generation
        }
        print("crash test: \(Self.rounds) SIGKILLs, \(stored) generations written, \(aheadOfOutput) kills after a commit and before its report")
    }
}

/// One run of the torture writer: start it, wait for its first committed generation, wait a
/// little more, kill it with SIGKILL and collect what it printed.
struct TortureRun {
    /// The generations the writer reported as committed, in order.
    var generations: [Int] = []
    var stderr = ""
    var killedBySIGKILL = false
    var exitDescription = ""

    /// How long the writer may take to report its first commit before it is killed anyway.
    static let startTimeout: TimeInterval = 30

    /// - Parameter output: a file prefix for the writer's stdout and stderr. Files, not pipes:
    ///   Foundation's `Pipe` handles close their descriptors on deallocation, which races with
    ///   other tests' sockets in the same process.
    init(executable: URL, path: String, output: String, killAfterMicroseconds delay: UInt32) throws {
        let outPath = output + ".out", errPath = output + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = [path]
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        defer { process.killAndWait() }

        // Wait for the first committed generation; a hung writer must not hang the test.
        let deadline = Date().addingTimeInterval(Self.startTimeout)
        while process.isRunning, Date() < deadline {
            if let text = try? String(contentsOfFile: outPath, encoding: .utf8), text.contains("\n") { break }
            usleep(500)
        }

        usleep(delay)
        kill(pid, SIGKILL)
        process.waitForExit()
        // Everything the writer printed before it died is in the file.
        let output = (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data()
        stderr = ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)

        killedBySIGKILL = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        exitDescription = "\(process.terminationReason == .exit ? "exit status" : "signal") \(process.terminationStatus)"
        // Only complete lines count: each one is written by a single write(2) after a commit.
        let text = String(decoding: output, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        generations = lines.compactMap { Int($0) }
    }
}

/// Runs blocking work on a thread of its own, off the Swift concurrency pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

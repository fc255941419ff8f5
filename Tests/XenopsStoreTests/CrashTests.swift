import Foundation
import Testing
import XenopsStore

/// The crash test of the project issue: a child process killed with SIGKILL in the middle
/// of writes, 50 rounds; the store always opens and holds either the old or the new record.
@Suite("Crash safety")
struct CrashTests {
    static let rounds = 50

    @Test("SIGKILL in the middle of writes, 50 rounds: the store opens and holds the last or the next generation")
    func sigkillDuringWrites() throws {
        let executable = try TortureExecutable.locate()
        let dir = try TemporaryDirectory()
        let path = dir.file("state.db")
        var stored = 0  // the generation the store held after the previous round
        var aheadOfOutput = 0  // rounds where the killed writer had committed one more than it printed
        for round in 1...Self.rounds {
            // From 0 to 20 ms after the first commit: a put takes a few ms, so kills land in
            // every phase of a write (page writes, WAL fsync, checkpoints) and between writes.
            let delay = UInt32.random(in: 0...20_000)
            let run = try TortureRun(executable: executable, path: path, killAfterMicroseconds: delay)
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

    init(executable: URL, path: String, killAfterMicroseconds delay: UInt32) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = [path]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let pid = process.processIdentifier
        defer { if process.isRunning { kill(pid, SIGKILL); process.waitUntilExit() } }

        // A hung writer must not hang the test: kill it if it never reports a commit.
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.startTimeout, execute: watchdog)
        var output = Data()
        while !output.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // end of file: the writer is gone
            output.append(chunk)
        }
        watchdog.cancel()

        usleep(delay)
        kill(pid, SIGKILL)
        process.waitUntilExit()
        // Everything the writer printed before it died is still in the pipe.
        output.append(out.fileHandleForReading.readDataToEndOfFile())
        stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)

        killedBySIGKILL = process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
        exitDescription = "\(process.terminationReason == .exit ? "exit status" : "signal") \(process.terminationStatus)"
        // Only complete lines count: each one is written by a single write(2) after a commit.
        let text = String(decoding: output, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        generations = lines.compactMap { Int($0) }
    }
}

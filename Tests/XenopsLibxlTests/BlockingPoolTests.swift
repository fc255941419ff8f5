import Foundation
import Glibc
import Synchronization
import Testing
import XenGlue
@testable import XenopsLibxl

final class Counters: Sendable {
    let running = Atomic<Int>(0)
    let peak = Atomic<Int>(0)
    let done = Atomic<Int>(0)
}

@Suite struct BlockingPoolTests {
    @Test func runsOnDedicatedNamedThreads() async throws {
        let pool = BlockingPool(size: 2, label: "testpool")
        defer { pool.shutdown() }
        let name = try await pool.run("name") { () -> String in
            var buffer = [CChar](repeating: 0, count: 32)
            _ = xg_get_thread_name(&buffer, UInt(buffer.count))
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        #expect(name.hasPrefix("testpool-"))
    }

    @Test func returnsResultsAndRethrows() async throws {
        struct Boom: Error {}
        let pool = BlockingPool(size: 1)
        defer { pool.shutdown() }
        #expect(try await pool.run("add") { 2 + 3 } == 5)
        await #expect(throws: Boom.self) { try await pool.run("boom") { throw Boom() } }
    }

    @Test func blockingJobsRunInParallelUpToThePoolSize() async throws {
        let pool = BlockingPool(size: 4)
        defer { pool.shutdown() }
        let c = Counters()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask {
                    try await pool.run("sleep \(i)") {
                        let now = c.running.add(1, ordering: .relaxed).newValue
                        _ = c.peak.max(now, ordering: .relaxed)
                        usleep(50_000)
                        c.running.subtract(1, ordering: .relaxed)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(c.peak.load(ordering: .relaxed) == 4)
        // A worker counts its job done just after resuming the caller.
        for _ in 0..<100 where pool.pending > 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(pool.pending == 0)
    }

    @Test func shutdownFinishesQueuedJobsThenRefusesNewOnes() async throws {
        let pool = BlockingPool(size: 1)
        let c = Counters()
        for _ in 0..<5 { pool.submit("tick") { usleep(5_000); c.done.add(1, ordering: .relaxed) } }
        pool.shutdown()
        #expect(c.done.load(ordering: .relaxed) == 5)
        await #expect(throws: BlockingPool.ClosedError.self) { try await pool.run("late") { 1 } }
        #expect(!pool.submit("late") {})
        pool.shutdown()  // idempotent
    }
}

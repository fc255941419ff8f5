import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine
import XenopsSimulator

@Suite("Per-VM queues, parallelism, cancellation and failures")
struct QueueTests {
    @Test func fiftyOperationsOnOneVMRunInOrder() async throws {
        let f = try await EngineFixture.make(stepLatency: .milliseconds(1))
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let before = f.backend.calls(for: vm).count
        var ids: [String] = []
        for i in 0..<50 {
            ids.append(f.engine.submit(i % 2 == 0 ? .pause : .unpause, vm: vm, debugInfo: "fifo \(i)"))
        }
        for id in ids { try await f.wait(id) }
        let seen = Array(f.backend.calls(for: vm).dropFirst(before))
        let expected = (0..<50).map { $0 % 2 == 0 ? "pause" : "unpause" }
        #expect(seen == expected)
        #expect(try await f.power(vm) == .running)
    }

    @Test func startThenUnpauseQueuedTogetherRunInOrder() async throws {
        let f = try await EngineFixture.make(stepLatency: .milliseconds(20))
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        let start = f.engine.submit(.start(force: false), vm: vm, debugInfo: "a")
        let unpause = f.engine.submit(.unpause, vm: vm, debugInfo: "a")
        #expect(try await f.wait(start).state.isFinished)
        guard case .completed = try await f.wait(unpause).state else {
            Issue.record("unpause did not complete")
            return
        }
        #expect(try await f.power(vm) == .running)
    }

    @Test func hundredVMsStartInParallel() async throws {
        let f = try await EngineFixture.make(stepLatency: .milliseconds(30), workers: 16)
        defer { Task { await f.cleanup() } }
        var vms: [String] = []
        for _ in 0..<100 { vms.append(try await f.define(memoryMiB: 64)) }
        let ids = vms.map { f.engine.submit(.start(force: false), vm: $0, debugInfo: "storm") }
        for id in ids {
            guard case .completed = try await f.wait(id, timeout: .seconds(60)).state else {
                Issue.record("start task \(id) did not complete")
                return
            }
        }
        let concurrency = f.backend.maxConcurrent("create")
        #expect(concurrency > 1, "starts ran one at a time")
        #expect(concurrency <= 16, "more starts ran at once than there are workers")
        for vm in vms { #expect(try await f.power(vm) == .paused) }
    }

    @Test func cancelOfASlowStepTakesEffectQuickly() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        let id = f.engine.submit(.delay(seconds: 60), vm: vm, debugInfo: "slow")
        try await Task.sleep(for: .milliseconds(50))
        let began = ContinuousClock.now
        try f.engine.tasks.cancel(id)
        let info = try await f.wait(id, timeout: .seconds(5))
        #expect(ContinuousClock.now - began < .seconds(5))
        guard case .failed(let json) = info.state else {
            Issue.record("cancelled task did not fail: \(info.state)")
            return
        }
        #expect(try XenopsError(xenops: json) == .cancelled(task: id))
        // The queue is free again.
        try await f.succeed(.start(force: false), vm)
    }

    @Test func cancelDuringDomainBuildLeavesVMHalted() async throws {
        let f = try await EngineFixture.make(stepLatency: .seconds(30))
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        let id = f.engine.submit(.start(force: false), vm: vm, debugInfo: "slow build")
        try await Task.sleep(for: .milliseconds(100))
        try f.engine.tasks.cancel(id)
        let info = try await f.wait(id, timeout: .seconds(10))
        guard case .failed = info.state else {
            Issue.record("expected the start to fail after cancel: \(info.state)")
            return
        }
        #expect(try await f.power(vm) == .halted)
    }

    @Test func cancelTriggerCancelsAtTheNamedPoint() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        try await f.engine.debugTrigger("set-cancel-trigger", args: ["trigger-me", "2"])
        let id = f.engine.submit(.start(force: false), vm: vm, debugInfo: "trigger-me")
        let info = try await f.wait(id)
        #expect(info.state == .failed(XenopsError.cancelled(task: id).xenops))
        #expect(info.debugInfo["cancel_points_seen"] == "2")
        #expect(try await f.power(vm) == .halted)
    }

    @Test func failedStepLeavesARepairableState() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        f.simulator.failNext(.unpause, with: .failed(operation: "unpause", code: -3, detail: "injected", remedy: "retry"))
        try await f.succeed(.start(force: false), vm)
        guard case .internalError? = try await f.failure(.unpause, vm) else {
            Issue.record("expected the injected failure")
            return
        }
        #expect(try await f.power(vm) == .paused)
        try await f.succeed(.unpause, vm)
        #expect(try await f.power(vm) == .running)

        // A failed build leaves no half-built domain behind.
        let other = try await f.define()
        f.simulator.failNext(.createDomain, with: .failed(operation: "create", code: -3, detail: "injected", remedy: "retry"))
        #expect(try await f.failure(.start(force: false), other) != nil)
        #expect(try await f.power(other) == .halted)
        try await f.succeed(.start(force: false), other)
        #expect(try await f.power(other) == .paused)
    }

    @Test func destroyOnFinishForgetsTheTask() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        let id = f.engine.submit(.delay(seconds: 0.1), vm: vm, debugInfo: "dof")
        try f.engine.tasks.destroyOnFinish(id)
        #expect(try await f.eventually { (try? f.engine.tasks.stat(id)) == nil })
        #expect(throws: XenopsError.doesNotExist(namespace: "task", path: id)) { try f.engine.tasks.stat(id) }
    }

    @Test func taskBacktraceIsAValidSexp() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        let ok = try await f.wait(f.engine.submit(.start(force: false), vm: vm, debugInfo: "bt"))
        let bad = try await f.wait(f.engine.submit(.start(force: false), vm: vm, debugInfo: "bt"))
        for t in [ok, bad] {
            #expect(t.backtrace.hasPrefix("(") && t.backtrace.hasSuffix(")"))
        }
    }
}

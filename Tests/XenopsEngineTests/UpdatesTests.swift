import Foundation
import Testing
import XenopsCore
import XenopsEngine

@Suite("UPDATES: coalescing, long-poll, barriers")
struct UpdatesTests {
    @Test func changesCoalesceAndComeInCounterOrder() {
        let feed = UpdatesFeed()
        feed.signal(.vm("a"))
        feed.signal(.vm("b"))
        feed.signal(.vm("a"))
        let all = feed.snapshot(from: nil)
        #expect(all.ids == [.vm("b"), .vm("a")])
        #expect(all.next == 2)
        #expect(feed.lastID == 2)
        feed.signal(.task("7"))
        let newer = feed.snapshot(from: all.next)
        #expect(newer.ids == [.task("7")])
        #expect(newer.next == 3)
    }

    @Test func timeoutReturnsNothingWithNextEqualToFrom() async {
        let feed = UpdatesFeed()
        feed.signal(.vm("a"))
        let last = feed.lastID
        let r = await feed.get(from: last, timeout: 0.1)
        #expect(r.ids.isEmpty && r.barriers.isEmpty)
        #expect(r.next == last)
    }

    @Test func longPollWakesOnChange() async {
        let feed = UpdatesFeed()
        let last = feed.lastID
        async let result = feed.get(from: last, timeout: 30)
        try? await Task.sleep(for: .milliseconds(50))
        let began = ContinuousClock.now
        feed.signal(.vm("x"))
        let r = await result
        #expect(r.ids == [.vm("x")])
        // Woken by the change, not by the 30 s timeout (the bound is loose: CI machines are slow).
        #expect(ContinuousClock.now - began < .seconds(20))
    }

    @Test func longPollEndsWhenCancelled() async {
        let feed = UpdatesFeed()
        let task = Task { await feed.get(from: feed.lastID, timeout: nil) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let r = await task.value
        #expect(r.ids.isEmpty)
    }

    @Test func removedObjectsAreNotReported() {
        let feed = UpdatesFeed()
        feed.signal([.vm("a"), .vbd(DeviceID(vm: "a", name: "xvda")), .vm("b")])
        feed.removeVM("a")
        #expect(feed.snapshot(from: nil).ids == [.vm("b")])
    }

    @Test func barrierSnapshotsTheVMsEntries() {
        let feed = UpdatesFeed()
        feed.signal([.vm("a"), .vbd(DeviceID(vm: "a", name: "xvda")), .vm("b"), .task("1")])
        let from = feed.lastID
        feed.injectBarrier(vm: "a", token: 42)
        let r = feed.snapshot(from: from)
        #expect(r.barriers.count == 1)
        #expect(r.barriers.first?.id == 42)
        #expect(r.ids.isEmpty)
        // Entries newer than `from` would be in the barrier; older ones are not repeated.
        #expect(r.barriers.first?.ids == [])
        let all = feed.snapshot(from: nil)
        #expect(all.barriers.first?.ids == [.vm("a"), .vbd(DeviceID(vm: "a", name: "xvda"))])
        feed.removeBarrier(token: 42)
        #expect(feed.snapshot(from: nil).barriers.isEmpty)
    }

    @Test func engineSignalsVMDevicesAndTasks() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let from = f.engine.updates.lastID
        let vm = try await f.define()
        let imported = f.engine.updates.snapshot(from: from).ids
        #expect(imported.contains(.vm(vm)))
        #expect(imported.contains(.vbd(DeviceID(vm: vm, name: "xvda"))))
        #expect(imported.contains(.vif(DeviceID(vm: vm, name: "0"))))
        let mark = f.engine.updates.lastID
        let task = f.engine.submit(.start(force: false), vm: vm, debugInfo: "u")
        try await f.wait(task)
        let changed = f.engine.updates.snapshot(from: mark).ids
        #expect(changed.contains(.task(task)))
        #expect(changed.contains(.vm(vm)))
        // The task's entry is the last one, after the VM's, and appears once.
        #expect(changed.filter { $0 == .task(task) }.count == 1)
        try f.engine.tasks.destroy(task)
        #expect(!f.engine.updates.snapshot(from: nil).ids.contains(.task(task)))
    }

    @Test func waitingOnUpdatesSeesTaskCompletion() async throws {
        let f = try await EngineFixture.make(stepLatency: .milliseconds(50))
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        var last = f.engine.updates.lastID
        let task = f.engine.submit(.start(force: false), vm: vm, debugInfo: "xapi")
        var done = false
        for _ in 0..<100 where !done {
            let r = await f.engine.updates.get(from: last, timeout: 5)
            last = r.next
            if r.ids.contains(.task(task)), try f.engine.tasks.stat(task).state.isFinished { done = true }
        }
        #expect(done)
    }
}

import Dispatch
import Synchronization
import XenopsBackend

/// Writes the simulator's world to its state file on one dedicated thread, off the lock
/// that every operation takes, and commits concurrent changes together.
///
/// A change is applied in memory under the lock and gets a version number; its caller then
/// awaits ``waitDurable(_:)``, which returns once a write that includes that version reached
/// the disk. While one write runs, later changes pile up and go out in the next write, so a
/// hundred concurrent operations cost a few fsyncs, not a hundred. If a write fails, the world
/// is rolled back to the last state that reached the disk and every waiting caller gets the
/// error, so what the simulator reports never runs ahead of its file for long.
final class SimulatorStatePersister: Sendable {
    /// The current version and world, or nil once the simulator is gone.
    typealias Snapshot = @Sendable () -> (version: UInt64, world: SimulatedWorld)?
    typealias Rollback = @Sendable (_ durable: SimulatedWorld, _ version: UInt64) -> Void

    private struct Waiter {
        var version: UInt64
        var continuation: CheckedContinuation<Result<Void, BackendError>, Never>
    }

    private struct State {
        var durableVersion: UInt64
        var durableWorld: SimulatedWorld
        var writing = false
        var waiters: [Waiter] = []
    }

    private let file: StateFile
    private let thread = DispatchQueue(label: "xenopsd.simulator.state")
    private let state: Mutex<State>
    private let snapshot: Snapshot
    private let rollback: Rollback

    init(file: StateFile, world: SimulatedWorld, snapshot: @escaping Snapshot, rollback: @escaping Rollback) {
        self.file = file
        self.state = Mutex(State(durableVersion: 0, durableWorld: world))
        self.snapshot = snapshot
        self.rollback = rollback
    }

    /// Starts a write if none is running (for changes nobody waits for, e.g. a guest's own).
    func kick() {
        let start = state.withLock { s -> Bool in
            if s.writing { return false }
            s.writing = true
            return true
        }
        if start { thread.async { self.writeUntilCurrent() } }
    }

    /// Returns once version `version` of the world is on disk, or throws why it is not.
    func waitDurable(_ version: UInt64) async throws(BackendError) {
        let result: Result<Void, BackendError> = await withCheckedContinuation { continuation in
            let start = state.withLock { s -> Bool? in
                if s.durableVersion >= version { return nil }
                s.waiters.append(Waiter(version: version, continuation: continuation))
                if s.writing { return false }
                s.writing = true
                return true
            }
            switch start {
            case nil: continuation.resume(returning: .success(()))
            case true?: thread.async { self.writeUntilCurrent() }
            case false?: break
            }
        }
        try result.get()
    }

    private func writeUntilCurrent() {
        while true {
            let current = snapshot()
            let (version, world) = current ?? (0, SimulatedWorld(hostBootTime: 0))
            let done = state.withLock { s -> Bool in
                if current == nil || version <= s.durableVersion {
                    s.writing = false
                    return true
                }
                return false
            }
            if done { return }
            do {
                try file.save(world)
                let ready = state.withLock { s -> [Waiter] in
                    s.durableVersion = version
                    s.durableWorld = world
                    let (ready, waiting) = s.waiters.partitioned { $0.version <= version }
                    s.waiters = waiting
                    return ready
                }
                for w in ready { w.continuation.resume(returning: .success(())) }
            } catch {
                let (failed, durable, durableVersion) = state.withLock { s -> ([Waiter], SimulatedWorld, UInt64) in
                    let failed = s.waiters
                    s.waiters = []
                    s.writing = false
                    return (failed, s.durableWorld, s.durableVersion)
                }
                rollback(durable, durableVersion)
                let failure = BackendError.failed(
                    operation: "persist simulator state", code: SimulatedHypervisor.Code.fail, detail: "\(error)",
                    remedy: "Fix the state directory; the change was not applied.")
                for w in failed { w.continuation.resume(returning: .failure(failure)) }
                return
            }
        }
    }
}

extension Array {
    /// The elements that match, and the ones that do not, each in order.
    func partitioned(_ matches: (Element) -> Bool) -> ([Element], [Element]) {
        var yes: [Element] = []
        var no: [Element] = []
        for e in self { if matches(e) { yes.append(e) } else { no.append(e) } }
        return (yes, no)
    }
}

import Foundation
import Synchronization
import XenopsCore

/// The in-memory task table (xapi-idl `task_server.ml`): string ids counting from 0,
/// progress, completion or failure, cooperative cancellation, `destroy_on_finish`.
///
/// Tasks are never persisted: a daemon restart forgets them, as in xenopsd. Every change of a
/// task signals `Task id` on the ``UpdatesFeed``.
public final class TaskRegistry: Sendable {
    private struct Entry {
        var info: TaskInfo
        var cancelRequested = false
        var destroyOnFinish = false
        var cancelPointsSeen = 0
        /// Called on cancel: stops the Swift task doing the work.
        var onCancel: (@Sendable () -> Void)?
    }

    private struct CancelTrigger {
        var dbg: String
        var point: Int
    }

    private struct State {
        var nextID = 0
        var tasks: [String: Entry] = [:]
        var triggers: [CancelTrigger] = []
    }

    private let state = Mutex(State())
    private let updates: UpdatesFeed

    public init(updates: UpdatesFeed) {
        self.updates = updates
    }

    /// Creates a pending task for a request with `debugInfo` (only its log part is kept).
    public func create(debugInfo: String) -> String {
        let dbg = DebugInfo(debugInfo).log
        let id = state.withLock { s -> String in
            let id = String(s.nextID)
            s.nextID += 1
            s.tasks[id] = Entry(info: TaskInfo(
                id: id, dbg: dbg, ctime: Date().timeIntervalSince1970, state: .pending(0),
                debugInfo: ["cancel_points_seen": "0"]
            ))
            return id
        }
        updates.signal(.task(id))
        return id
    }

    /// `Task.stat`.
    public func stat(_ id: String) throws(XenopsError) -> TaskInfo {
        guard let info = state.withLock({ $0.tasks[id]?.info }) else { throw .doesNotExist(namespace: "task", path: id) }
        return info
    }

    /// `Task.list`, oldest first.
    public func list() -> [TaskInfo] {
        state.withLock { s in s.tasks.values.map(\.info) }.sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
    }

    /// `Task.destroy`: forgets the task and its UPDATES entry.
    public func destroy(_ id: String) throws(XenopsError) {
        let existed = state.withLock { $0.tasks.removeValue(forKey: id) != nil }
        guard existed else { throw .doesNotExist(namespace: "task", path: id) }
        updates.remove(.task(id))
    }

    /// `Task.destroy_on_finish`: destroys the task when it completes (now, if it already has).
    public func destroyOnFinish(_ id: String) throws(XenopsError) {
        let finished = try state.withLock { s throws(XenopsError) -> Bool in
            guard var entry = s.tasks[id] else { throw .doesNotExist(namespace: "task", path: id) }
            if entry.info.state.isFinished {
                s.tasks[id] = nil
                return true
            }
            entry.destroyOnFinish = true
            s.tasks[id] = entry
            return false
        }
        if finished { updates.remove(.task(id)) }
    }

    /// `Task.cancel`: sets the cancelling flag and stops the work at its next cancellation
    /// point. Does nothing for a task that is not cancellable or already finished.
    public func cancel(_ id: String) throws(XenopsError) {
        let callback = try state.withLock { s throws(XenopsError) -> (@Sendable () -> Void)? in
            guard var entry = s.tasks[id] else { throw .doesNotExist(namespace: "task", path: id) }
            guard entry.info.cancellable, !entry.info.state.isFinished else { return nil }
            entry.cancelRequested = true
            s.tasks[id] = entry
            return entry.onCancel
        }
        callback?()
    }

    /// Registers how to stop the work of task `id` (cancels the Swift task running it).
    func setCancelHandler(_ id: String, _ handler: @escaping @Sendable () -> Void) {
        let cancelNow = state.withLock { s -> Bool in
            s.tasks[id]?.onCancel = handler
            return s.tasks[id]?.cancelRequested ?? false
        }
        if cancelNow { handler() }
    }

    /// Marks task `id` as no longer cancellable (e.g. once a suspend has begun).
    func prohibitCancellation(_ id: String) {
        state.withLock { s in s.tasks[id]?.info.cancellable = false }
        updates.signal(.task(id))
    }

    /// `DEBUG.trigger set-cancel-trigger [dbg; n]`: cancel the next task with this dbg at its
    /// n-th cancellation point.
    public func setCancelTrigger(dbg: String, point: Int) {
        state.withLock { s in s.triggers.append(CancelTrigger(dbg: dbg, point: point)) }
    }

    /// A cancellation point: counts it, fires a matching cancel trigger, and throws
    /// `Cancelled` if the task was asked to stop.
    func checkCancelling(_ id: String) throws(XenopsError) {
        let cancelled = state.withLock { s -> Bool in
            guard var entry = s.tasks[id] else { return false }
            entry.cancelPointsSeen += 1
            entry.info.debugInfo["cancel_points_seen"] = String(entry.cancelPointsSeen)
            if let index = s.triggers.firstIndex(where: { $0.dbg == entry.info.dbg && $0.point == entry.cancelPointsSeen }) {
                s.triggers.remove(at: index)
                entry.cancelRequested = true
            }
            s.tasks[id] = entry
            return entry.cancelRequested && entry.info.cancellable
        }
        if cancelled { throw .cancelled(task: id) }
    }

    /// Whether a cancel was requested for task `id`.
    func isCancelRequested(_ id: String) -> Bool {
        state.withLock { $0.tasks[id]?.cancelRequested ?? false }
    }

    /// Sets the progress (0…1) of a pending task.
    func setProgress(_ id: String, _ progress: Double) {
        let changed = state.withLock { s -> Bool in
            guard var entry = s.tasks[id], case .pending = entry.info.state else { return false }
            entry.info.state = .pending(min(1, max(0, progress)))
            s.tasks[id] = entry
            return true
        }
        if changed { updates.signal(.task(id)) }
    }

    /// Finishes the task successfully.
    func complete(_ id: String, result: JSONValue? = nil) {
        finish(id) { info in
            .completed(duration: Date().timeIntervalSince1970 - info.ctime, result: result)
        }
    }

    /// Finishes the task with an error.
    func fail(_ id: String, _ error: XenopsError, backtrace: String? = nil) {
        finish(id, backtrace: backtrace) { _ in .failed(error.xenops) }
    }

    private func finish(_ id: String, backtrace: String? = nil, _ makeState: (TaskInfo) -> TaskState) {
        let destroyed = state.withLock { s -> Bool? in
            guard var entry = s.tasks[id] else { return nil }
            entry.info.state = makeState(entry.info)
            if let backtrace { entry.info.backtrace = backtrace }
            entry.onCancel = nil
            if entry.destroyOnFinish {
                s.tasks[id] = nil
                return true
            }
            s.tasks[id] = entry
            return false
        }
        switch destroyed {
        case true?: updates.remove(.task(id))
        case false?: updates.signal(.task(id))
        case nil: break
        }
    }

    /// Waits until task `id` has finished (used by synchronous methods that queue work).
    func waitUntilFinished(_ id: String, pollInterval: Duration = .milliseconds(5)) async -> TaskInfo? {
        while true {
            guard let info = state.withLock({ $0.tasks[id]?.info }) else { return nil }
            if info.state.isFinished { return info }
            try? await Task.sleep(for: pollInterval)
            if Task.isCancelled { return info }
        }
    }

    /// The number of known tasks.
    public var count: Int { state.withLock { $0.tasks.count } }
}

/// A `debug_info` string: `"<log>"` or `"<log>\n<trace context>"`. Treated as opaque, split on
/// the first newline; malformed trace data never fails a request.
public struct DebugInfo: Sendable, Hashable {
    public var log: String
    public var traceContext: String?

    public init(_ raw: String) {
        if let newline = raw.firstIndex(of: "\n") {
            log = String(raw[..<newline])
            let rest = String(raw[raw.index(after: newline)...])
            traceContext = rest.isEmpty ? nil : rest
        } else {
            log = raw
            traceContext = nil
        }
    }
}

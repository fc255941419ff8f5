import XenopsCore

extension XenopsClient {
    /// Waits for a task to finish by following UPDATES (long-polls, not busy polling), then
    /// destroys it, as XAPI does, and returns its final `Task.t`.
    ///
    /// - Parameters:
    ///   - id: the task id a task-kind method returned.
    ///   - timeout: give up after this long with ``XenopsClientError/timeout(_:)`` (the task
    ///     goes on in the daemon); nil waits as long as it takes.
    ///   - destroy: whether to `Task.destroy` the finished task (default true).
    ///   - progress: called with the task's progress (0…1) whenever it changes.
    /// - Returns: the finished task; its state is `Completed` or `Failed`
    ///   (``TaskInfo/checkSucceeded()`` turns the latter into an error).
    public func waitForTask(
        _ id: String,
        timeout: Duration? = nil,
        destroy: Bool = true,
        progress: (@Sendable (Double) -> Void)? = nil
    ) async throws(XenopsClientError) -> TaskInfo {
        let start = ContinuousClock.now
        // Read the counter first: any change of the task after this point is then seen by UPDATES.get.
        var from = try await updatesLastID()
        var lastProgress: Double?
        while true {
            let info = try await taskStat(id)
            if info.state.isFinished {
                if destroy { try? await taskDestroy(id) }
                return info
            }
            if case .pending(let p) = info.state, p != lastProgress {
                lastProgress = p
                progress?(p)
            }
            // Long-poll until this task changes (or the poll times out, then stat again anyway).
            while true {
                var pollSeconds = 30
                if let timeout {
                    let left = timeout - (ContinuousClock.now - start)
                    if left <= .zero { throw .timeout("waiting for task \(id) to finish") }
                    pollSeconds = max(1, min(30, Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded(.up))))
                }
                let updates = try await updatesGet(lastID: from, timeout: pollSeconds)
                from = updates.next
                if updates.ids.isEmpty && updates.barriers.isEmpty { break }
                if updates.ids.contains(.task(id)) { break }
            }
        }
    }

    /// Waits for a task and throws its error if it failed; returns the completed task.
    public func awaitTask(
        _ id: String,
        timeout: Duration? = nil,
        progress: (@Sendable (Double) -> Void)? = nil
    ) async throws(XenopsClientError) -> TaskInfo {
        let info = try await waitForTask(id, timeout: timeout, progress: progress)
        try info.checkSucceeded()
        return info
    }
}

extension TaskInfo {
    /// Throws the task's error if it failed (``XenopsClientError/xenops(_:)``); does nothing otherwise.
    public func checkSucceeded() throws(XenopsClientError) {
        if case .failed(let payload) = state {
            throw .xenops((try? XenopsError(xenops: payload)) ?? .unknownError)
        }
    }
}

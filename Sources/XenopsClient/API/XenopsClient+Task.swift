import XenopsCore

extension XenopsClient {
    /// `Task.stat`: the state of a task.
    public func taskStat(_ id: String) async throws(XenopsClientError) -> TaskInfo {
        try await invoke("Task.stat", params(("id", .string(id))))
    }

    /// `Task.cancel`: asks the task to stop at its next cancellation point.
    public func taskCancel(_ id: String) async throws(XenopsClientError) {
        try await invokeUnit("Task.cancel", params(("id", .string(id))))
    }

    /// `Task.destroy`: forgets a task (clients destroy the tasks they wait for).
    public func taskDestroy(_ id: String) async throws(XenopsClientError) {
        try await invokeUnit("Task.destroy", params(("id", .string(id))))
    }

    /// `Task.list`: every task still known.
    public func taskList() async throws(XenopsClientError) -> [TaskInfo] {
        try await invoke("Task.list")
    }

    /// `Task.destroy_on_finish`: the daemon forgets the task when it finishes.
    public func taskDestroyOnFinish(_ id: String) async throws(XenopsClientError) {
        try await invokeUnit("Task.destroy_on_finish", params(("id", .string(id))))
    }
}

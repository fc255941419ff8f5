import XenopsCore

/// Runs `body`, failing with a clear error after `timeout` instead of waiting forever for a
/// peer that went quiet. The body is cancelled at the deadline.
func withDeadline<T: Sendable>(_ timeout: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw XenopsError.internalError("timed out after \(timeout) waiting for \(what)")
        }
        return value
    }
}

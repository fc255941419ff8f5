import XenopsBackend
import XenopsCore

extension XenopsEngine {
    /// `HOST.stat`.
    public func hostStat() async throws(XenopsError) -> HostInfo {
        try await backendCall { try await backend.hostInfo() }
    }

    /// `HOST.get_total_memory_mib`.
    public func totalMemoryMiB() async throws(XenopsError) -> Int64 {
        try await backendCall { try await backend.totalMemoryMiB() }
    }

    /// `HOST.get_console_data`.
    public func consoleData() async throws(XenopsError) -> String {
        try await backendCall { try await backend.consoleData() }
    }

    /// `HOST.set_worker_pool_size`.
    public func setWorkerPoolSize(_ n: Int) throws(XenopsError) {
        guard n >= 1, n <= 1024 else { throw .internalError("worker pool size \(n) is out of range; use 1 to 1024") }
        queues.setWorkers(n)
    }

    /// `DEBUG.trigger`: `set-cancel-trigger [dbg; n]` is handled here, the rest by the backend
    /// (the simulator knows `reboot`, `halt`, `crash` with a VM uuid).
    public func debugTrigger(_ command: String, args: [String]) async throws(XenopsError) {
        if command == "set-cancel-trigger" {
            guard args.count == 2, let point = Int(args[1]), point >= 1 else {
                throw .internalError("set-cancel-trigger takes two arguments: the task's debug_info and a cancellation point number ≥ 1")
            }
            tasks.setCancelTrigger(dbg: args[0], point: point)
            return
        }
        try await backendCall { try await backend.debugTrigger(command, args: args) }
    }

    /// `get_diagnostics`: queues, workers, tasks and UPDATES, as JSON.
    public func diagnostics() -> JSONValue {
        let q = queues.snapshot
        let u = updates.diagnostics
        let (vms, rebooting) = live.withLock { ($0.records.count, $0.rebooting.sorted()) }
        return .object([
            JSONMember("backend", .string(backend.kind)),
            JSONMember("instance_id", .string(instanceID)),
            JSONMember("vms", .int(Int64(vms))),
            JSONMember("rebooting", .array(rebooting.map { .string($0) })),
            JSONMember("workers", .object([
                JSONMember("size", .int(Int64(q.workers))),
                JSONMember("running", .int(Int64(q.running))),
            ])),
            JSONMember("queues", .object(q.pending.sorted { $0.key < $1.key }.map { JSONMember($0.key, .int(Int64($0.value))) })),
            JSONMember("tasks", .array(tasks.list().map(\.xenops))),
            JSONMember("updates", .object([
                JSONMember("entries", .int(Int64(u.entries))),
                JSONMember("barriers", .int(Int64(u.barriers))),
                JSONMember("waiters", .int(Int64(u.waiters))),
                JSONMember("last_id", .int(Int64(u.next - 1))),
            ])),
            JSONMember("numa_affinity_policy", currentNUMAAffinityPolicy.xenops),
            JSONMember("observer", observers.diagnostics),
        ])
    }
}

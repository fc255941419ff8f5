import XenopsCore

extension XenopsClient {
    /// `UPDATES.get`: waits until an object changed after `lastID` (nil: from the start, a full
    /// snapshot) or `timeout` seconds pass (nil: no limit). On timeout the result is empty
    /// and `next` equals `lastID`.
    public func updatesGet(lastID: Int?, timeout: Int?) async throws(XenopsClientError) -> UpdatesResult {
        let p = params(("last_id", lastID.map { .int(Int64($0)) }), ("timeout", timeout.map { .int(Int64($0)) }))
        // The long-poll is expected to take up to `timeout`; allow the daemon some slack beyond it.
        let limit: Duration? = timeout.map { .seconds($0) + .seconds(30) }
        return try Self.decode(try await perform("UPDATES.get", p, timeout: limit), method: "UPDATES.get")
    }

    /// `UPDATES.last_id`: the counter of the most recent change.
    public func updatesLastID() async throws(XenopsClientError) -> Int {
        try await invoke("UPDATES.last_id")
    }

    /// `UPDATES.inject_barrier`: snapshots the VM's pending updates under the token `id`.
    public func updatesInjectBarrier(vm: String, id: Int) async throws(XenopsClientError) {
        try await invokeUnit("UPDATES.inject_barrier", params(("vm_id", .string(vm)), ("id", .int(Int64(id)))))
    }

    /// `UPDATES.remove_barrier`.
    public func updatesRemoveBarrier(_ id: Int) async throws(XenopsClientError) {
        try await invokeUnit("UPDATES.remove_barrier", params(("id", .int(Int64(id)))))
    }

    /// `UPDATES.refresh_vm`: re-signals the VM and all its devices.
    public func updatesRefreshVM(_ vm: String) async throws(XenopsClientError) {
        try await invokeUnit("UPDATES.refresh_vm", params(("id", .string(vm))))
    }

    /// `DEBUG.trigger`: `set-cancel-trigger [dbg; n]`, or a backend command (the simulator
    /// knows `reboot`, `halt` and `crash` with a VM uuid).
    public func debugTrigger(_ command: String, args: [String] = []) async throws(XenopsClientError) {
        try await invokeUnit("DEBUG.trigger", params(("cmd", .string(command)), ("args", args.xenops)))
    }
}

import XenopsCore

extension XenopsClient {
    /// `query`: who is answering (name, vendor, version, features, instance id).
    public func query() async throws(XenopsClientError) -> QueryResult {
        try await invoke("query", params(("unit", .null)))
    }

    /// `get_diagnostics`: the daemon's JSON dump of queues, tasks and UPDATES.
    public func diagnostics() async throws(XenopsClientError) -> String {
        try await invoke("get_diagnostics", params(("unit", .null)))
    }

    /// `HOST.stat`: CPU, hypervisor and chipset facts.
    public func hostStat() async throws(XenopsClientError) -> HostInfo {
        try await invoke("HOST.stat")
    }

    /// `HOST.get_total_memory_mib`: host RAM in MiB.
    public func hostTotalMemoryMiB() async throws(XenopsClientError) -> Int64 {
        try await invoke("HOST.get_total_memory_mib")
    }

    /// `HOST.get_console_data`: the hypervisor console ring.
    public func hostConsoleData() async throws(XenopsClientError) -> String {
        try await invoke("HOST.get_console_data")
    }
}

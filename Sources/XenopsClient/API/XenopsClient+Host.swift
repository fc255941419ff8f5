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

extension XenopsClient {
    /// `HOST.send_debug_keys`: Xen runs the keys' handlers; the output is in the console ring.
    public func hostSendDebugKeys(_ keys: String) async throws(XenopsClientError) {
        try await invokeUnit("HOST.send_debug_keys", params(("debug_keys", .string(keys))))
    }

    /// `HOST.combine_cpu_policies`: the featureset both policies offer.
    public func hostCombineCPUPolicies(_ policy1: String, _ policy2: String) async throws(XenopsClientError) -> String {
        try await invoke("HOST.combine_cpu_policies", params(("policy1", .string(policy1)), ("policy2", .string(policy2))))
    }

    /// `HOST.is_compatible`: whether a VM with `vmPolicy` may run on a host offering `hostPolicy`.
    public func hostIsCompatible(vmPolicy: String, hostPolicy: String) async throws(XenopsClientError) -> Bool {
        try await invoke("HOST.is_compatible", params(("vm_policy", .string(vmPolicy)), ("host_policy", .string(hostPolicy))))
    }

    /// `HOST.set_numa_affinity_policy`; nil leaves the key out (the default policy), as XAPI does.
    public func hostSetNUMAAffinityPolicy(_ policy: NUMAAffinityPolicy?) async throws(XenopsClientError) {
        try await invokeUnit("HOST.set_numa_affinity_policy", params(("numa_affinity_policy", policy?.xenops)))
    }
}

import XenopsBackend
import XenopsCore

/// The host calls XAPI makes at start-up and pool join, and `Observer.*`.
extension XenopsEngine {
    /// `HOST.send_debug_keys`: Xen prints the keys' output to its console ring.
    public func sendDebugKeys(_ keys: String) async throws(XenopsError) {
        logger.debug("HOST.send_debug_keys \(keys)")
        try await backendCall { try await backend.sendDebugKeys(keys) }
    }

    /// `HOST.combine_cpu_policies`: the featureset both hosts offer (XAPI's pool levelling).
    public func combineCPUPolicies(_ policy1: String, _ policy2: String) async throws(XenopsError) -> String {
        let a = try Self.featureset(policy1, "HOST.combine_cpu_policies", "policy1")
        let b = try Self.featureset(policy2, "HOST.combine_cpu_policies", "policy2")
        logger.debug("HOST.combine_cpu_policies \(policy1) \(policy2)")
        return try await backendCall { try await backend.combineCPUFeaturesets(a, b) }.description
    }

    /// `HOST.is_compatible`: whether a VM with `vmPolicy` may run on a host offering `hostPolicy`.
    public func isCompatible(vmPolicy: String, hostPolicy: String) async throws(XenopsError) -> Bool {
        let vm = try Self.featureset(vmPolicy, "HOST.is_compatible", "vm_policy")
        let host = try Self.featureset(hostPolicy, "HOST.is_compatible", "host_policy")
        logger.debug("HOST.is_compatible \(vmPolicy) \(hostPolicy)")
        let result = try await backendCall { try await backend.checkCPUCompatibility(vm: vm, host: host) }
        if case .incompatible(let missing) = result {
            logger.info("The VM's CPU policy is not compatible with the target host's. The host is missing: \(missing)")
        }
        return result.isCompatible
    }

    /// `HOST.set_numa_affinity_policy`: applies to domains built from now on. `nil` selects the
    /// default (``EngineConfiguration/defaultNUMAAffinityPolicy``). Kept in memory, as xenopsd
    /// does: after a restart the default applies until XAPI sets it again (it does on its own
    /// start-up).
    public func setNUMAAffinityPolicy(_ policy: NUMAAffinityPolicy?) {
        let chosen = policy ?? configuration.defaultNUMAAffinityPolicy
        numaAffinityPolicy.withLock { $0 = chosen }
        if policy == nil {
            logger.info("Enforcing default NUMA affinity policy (\(chosen.logName))")
        } else {
            logger.info("Enforcing '\(chosen.logName)' NUMA affinity policy")
        }
    }

    /// The policy new domains are built with.
    public var currentNUMAAffinityPolicy: NUMAAffinityPolicy { numaAffinityPolicy.withLock { $0 } }

    /// One `Observer.*` call.
    public func observer(_ command: ObserverCommand) throws(XenopsError) {
        logger.debug("\(command.method)")
        if let note = try observers.apply(command) { logger.error("\(note)") }
    }

    static func featureset(_ text: String, _ method: String, _ parameter: String) throws(XenopsError) -> CPUFeatureset {
        do { return try CPUFeatureset(parsing: text) } catch {
            throw .internalError("\(method): \(parameter) \(error.description)")
        }
    }
}

/// `Host.numa_affinity_policy`: how new domains are placed on NUMA nodes
/// (`HOST.set_numa_affinity_policy`; xenopsd's `Xenops_server.numa_placement`).
public enum NUMAAffinityPolicy: String, XenopsEnum {
    /// No NUMA placement: Xen's default allocation, no vCPU affinity.
    case any = "Any"
    /// Place on the best node(s) for memory and vCPUs; soft vCPU affinity. xenopsd's default.
    case bestEffort = "Best_effort"
    /// Like ``bestEffort`` but the vCPU affinity is hard (pinned).
    case bestEffortHard = "Best_effort_hard"
    /// Choose nodes by free memory only; soft vCPU affinity.
    case prioMemOnly = "Prio_mem_only"

    public static let xenopsTypeName = "numa_affinity_policy"

    /// What `HOST.set_numa_affinity_policy` with no policy selects (xenopsd's
    /// `default_numa_affinity_policy` with its default `numa-placement=true`).
    public static let defaultPolicy = NUMAAffinityPolicy.bestEffort

    /// xenopsd's log spelling (`string_of_numa_affinity_policy`): `"best-effort"`, ….
    public var logName: String {
        switch self {
        case .any: return "any"
        case .bestEffort: return "best-effort"
        case .bestEffortHard: return "best-effort-hard"
        case .prioMemOnly: return "prio-mem-only"
        }
    }
}

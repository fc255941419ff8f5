import CXenLight
import XenopsBackend
import XenopsCore

/// xenopsd's NUMA affinity policies on libxl (`HOST.set_numa_affinity_policy`; xenopsd's
/// `Domain.build_pre` and `numa_placement`). libxl places a domain itself when
/// `b_info.numa_placement` is true (its default) and the VM has no explicit affinity: it picks
/// the node(s) with enough free memory and the fewest vCPUs, allocates the memory there and gives
/// every vCPU a **soft** affinity to their CPUs. So:
///
/// | Policy | xenopsd-xc | here |
/// |---|---|---|
/// | `Any` | no placement | `numa_placement = false` |
/// | `Best_effort` | its planner; soft affinity; single-node claim | libxl's placement (soft) |
/// | `Prio_mem_only` | nodes by free memory only; soft affinity | libxl's placement (libxl also weighs vCPU load; it has no memory-only mode) |
/// | `Best_effort_hard` | as Best_effort, hard affinity | libxl's placement, then the soft affinity is copied to the hard one |
///
/// A VM with its own hard affinity (`scheduler_params.affinity`) is not placed, in both.
extension DomainConfigBuilder {
    func numaPlacement(_ policy: NUMAAffinityPolicy, into b: inout libxl_domain_build_info) {
        if policy == .any { libxl_defbool_set(&b.numa_placement, false) }
    }
}

extension LibxlHypervisor {
    /// Whether a new domain needs ``pinToPlacement(_:domid:)`` after creation.
    static func needsHardPlacement(_ spec: DomainSpec) -> Bool {
        spec.numaAffinityPolicy == .bestEffortHard && spec.vm.schedulerParams.affinity.isEmpty
    }

    /// `Best_effort_hard`: makes the soft vCPU affinity libxl's placement chose hard. Nothing to do
    /// when libxl did not place the domain (its soft affinity is every CPU, e.g. on a one-node
    /// host). Runs on a worker thread, before the domain is unpaused.
    static func pinToPlacement(_ ctx: LibxlContextPointer, domid: UInt32) throws(LibxlError) {
        var count: Int32 = 0, cpus: Int32 = 0
        LibxlError.clearThreadMessage()
        let list = try LibxlError.checkPointer(libxl_list_vcpu(ctx.raw, domid, &count, &cpus), "libxl_list_vcpu", context: "domain \(domid)")
        defer { libxl_vcpuinfo_list_free(list, count) }
        guard count > 0 else { return }
        // libxl sets the same soft affinity on every vCPU (libxl_set_vcpuaffinity_all).
        var soft = list[0].cpumap_soft
        guard libxl_bitmap_is_full(&soft) == 0, libxl_bitmap_is_empty(&soft) == 0 else { return }
        LibxlError.clearThreadMessage()
        try LibxlError.check(libxl_set_vcpuaffinity_all(ctx.raw, domid, UInt32(count), &soft, nil), "libxl_set_vcpuaffinity_all", context: "domain \(domid)")
    }
}

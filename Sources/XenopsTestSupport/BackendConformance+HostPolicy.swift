import XenopsBackend
import XenopsCore

extension BackendConformance {
    /// The host calls XAPI makes at start-up and pool join: featuresets, their combination and
    /// compatibility, debug keys, and domains built under each NUMA policy.
    static let hostPolicyCases: [Case] = [
        Case("host-featuresets", "hostInfo's five featuresets parse, the host and PV ones are non-empty, and each default policy is within its max policy") { c in
            let cpu = try await c.hypervisor.hostInfo().cpuInfo
            let sets = try HostPolicySets(cpu)
            try Verify.that(!sets.host.isEmpty, "features (the host featureset) is empty")
            try Verify.that(!sets.pvMax.isEmpty && !sets.pvDefault.isEmpty, "a PV featureset is empty: \(cpu.featuresPV) / \(cpu.featuresPVHost)")
            try Verify.that(sets.pvDefault.isSubset(of: sets.pvMax), "features_pv_host \(sets.pvDefault) is not within features_pv \(sets.pvMax)")
            try Verify.that(sets.hvmDefault.isSubset(of: sets.hvmMax), "features_hvm_host \(sets.hvmDefault) is not within features_hvm \(sets.hvmMax)")
        },
        Case("host-combine-policies", "combineCPUFeaturesets of two of the host's sets is their intersection") { c in
            let sets = try HostPolicySets(try await c.hypervisor.hostInfo().cpuInfo)
            // Eight words: below the arch-caps words where libxenguest's combine recalculates
            // RSBA/RRSBA, so a library combine and xenopsd's fallback must agree exactly.
            let a = sets.host.zeroExtended(to: 8), b = sets.pvDefault.zeroExtended(to: 8)
            let combined = try await c.hypervisor.combineCPUFeaturesets(a, b)
            try Verify.equal(combined, a.intersection(b), "combine(features, features_pv_host)")
            try Verify.equal(try await c.hypervisor.combineCPUFeaturesets(a, a), a, "combine(x, x)")
        },
        Case("host-is-compatible", "a default policy is compatible with its max; a set with a feature the host lacks is not") { c in
            let sets = try HostPolicySets(try await c.hypervisor.hostInfo().cpuInfo)
            try Verify.equal(try await c.hypervisor.checkCPUCompatibility(vm: sets.pvDefault, host: sets.pvMax), .compatible, "features_pv_host on features_pv")
            var beyond = sets.pvMax
            let word = try Verify.unwrap(beyond.words.firstIndex { $0 != .max }, "a PV max word with a clear bit")
            let clear = ~beyond.words[word]
            beyond.words[word] |= clear & (0 &- clear)  // its lowest clear bit
            let result = try await c.hypervisor.checkCPUCompatibility(vm: beyond, host: sets.pvMax)
            try Verify.that(!result.isCompatible, "a set with an extra feature in word \(word) is compatible: \(beyond) on \(sets.pvMax)")
        },
        Case("host-debug-keys", "sendDebugKeys(\"h\") makes the hypervisor print its key handlers to the console ring") { c in
            try await c.hypervisor.sendDebugKeys("h")
            let console = try await c.hypervisor.consoleData()
            try Verify.that(console.contains("'h' pressed -> showing installed handlers"), "the console does not show the 'h' debug key's output")
        },
        Case("numa-policies", "domains build under the Any and Best_effort_hard NUMA policies") { c in
            for policy in [NUMAAffinityPolicy.any, .bestEffortHard] {
                var spec = c.makeSpec()
                spec.numaAffinityPolicy = policy
                let info = try await c.hypervisor.createDomain(spec)
                try Verify.equal(info.state, .paused, "state after createDomain under \(policy.rawValue)")
                try await c.hypervisor.destroy(vm: spec.vm.id)
            }
        },
    ]
}

/// The featuresets of `Host.cpu_info`, parsed.
struct HostPolicySets {
    var host, pvMax, hvmMax, pvDefault, hvmDefault: CPUFeatureset

    init(_ cpu: HostInfo.CPUInfo) throws {
        func parse(_ text: String, _ field: String) throws -> CPUFeatureset {
            do { return try CPUFeatureset(parsing: text) } catch { throw ConformanceFailure("\(field): \(error)") }
        }
        host = try parse(cpu.features, "features")
        pvMax = try parse(cpu.featuresPV, "features_pv")
        hvmMax = try parse(cpu.featuresHVM, "features_hvm")
        pvDefault = try parse(cpu.featuresPVHost, "features_pv_host")
        hvmDefault = try parse(cpu.featuresHVMHost, "features_hvm_host")
    }
}

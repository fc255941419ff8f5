import XenopsBackend
import XenopsCore

extension SimulatedHypervisor {
    /// Xen's debug-key handlers (`xen/common/keyhandler.c`) the simulator answers, with the
    /// description Xen prints. Other keys are ignored, as Xen ignores keys with no handler.
    static let debugKeyHandlers: [Character: String] = [
        "d": "dump registers",
        "h": "show this message",
        "q": "dump domain (and guest debug) info",
        "r": "dump run queues",
        "t": "display multi-cpu clock info",
        "0": "dump Dom0 registers",
    ]

    /// Writes what Xen would print for each key into the console ring (`consoleData`): for
    /// `h` the handler list, for the other known keys a `'<key>' pressed -> <what>` line.
    public func sendDebugKeys(_ keys: String) async throws {
        try await begin(.sendDebugKeys, vm: nil, detail: keys)
        state.withLock { s in
            for key in keys {
                guard let description = Self.debugKeyHandlers[key] else { continue }
                if key == "h" {
                    s.console.append("'h' pressed -> showing installed handlers")
                    for (k, d) in Self.debugKeyHandlers.sorted(by: { $0.key < $1.key }) {
                        let ascii = k.asciiValue.map { String($0, radix: 16) } ?? "??"
                        s.console.append(" key '\(k)' (ascii '\(ascii)') => \(d)")
                    }
                } else {
                    s.console.append("'\(key)' pressed -> \(description)")
                }
            }
        }
    }

    /// The simulated host behaves like stock Xen 4.17, whose libxenguest has no
    /// `xc_combine_cpu_featuresets`: xenopsd then intersects the featuresets itself.
    public func combineCPUFeaturesets(_ a: CPUFeatureset, _ b: CPUFeatureset) async throws -> CPUFeatureset {
        try await begin(.combineCPUFeaturesets, vm: nil)
        return a.intersection(b)
    }

    /// xenopsd's fallback subset check (stock Xen 4.17 has no `xc_cpu_featuresets_are_compatible`).
    public func checkCPUCompatibility(vm: CPUFeatureset, host: CPUFeatureset) async throws -> CPUCompatibility {
        try await begin(.checkCPUCompatibility, vm: nil)
        return vm.compatibility(onHost: host)
    }

    /// The NUMA placement policy `vm`'s domain was built with, or nil (no domain, or unmanaged).
    public func numaAffinityPolicy(of vm: String) -> NUMAAffinityPolicy? {
        state.withLock { $0.world.domains[vm]?.numaAffinityPolicy.flatMap(NUMAAffinityPolicy.init(rawValue:)) }
    }
}

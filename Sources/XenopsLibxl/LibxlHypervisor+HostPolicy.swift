import CXenLight
import XenCtrlGlue
import XenopsBackend
import XenopsCore

/// `HOST.combine_cpu_policies` and `HOST.is_compatible` exactly as xenopsd-xc computes them
/// (`xenops_server_xen.ml`, module HOST): through libxenguest's `xc_combine_cpu_featuresets` /
/// `xc_cpu_featuresets_are_compatible` when the library has them (XenServer's Xen), else —
/// xenopsd's `ENOSYS` fallback, which is what runs on stock Xen 4.17 (Debian's libxenguest has
/// neither) — the featureset arithmetic of its `Cpuid` module (``CPUFeatureset``). Neither makes
/// a hypercall, so they run inline.
enum CPUFeaturesetCalls {
    /// Whether the libxenguest calls are present (weak symbols resolved at load time).
    static var libraryCombines: Bool { xcg_has_combine() != 0 }
    static var libraryChecksCompatibility: Bool { xcg_has_compatible() != 0 }

    static func combine(_ a: CPUFeatureset, _ b: CPUFeatureset) -> CPUFeatureset {
        guard libraryCombines else { return a.intersection(b) }
        // As xenopsd's stub: both zero-extended to the longer one; two empty sets give the empty set.
        let n = max(a.words.count, b.words.count)
        guard n > 0 else { return CPUFeatureset(words: []) }
        let x = a.zeroExtended(to: n).words, y = b.zeroExtended(to: n).words
        var out = [UInt32](repeating: 0, count: n)
        let rc = out.withUnsafeMutableBufferPointer { o in xcg_combine(x, y, o.baseAddress, n) }
        // rc is -1 only when the symbol is absent, which libraryCombines ruled out.
        return rc == 0 ? CPUFeatureset(words: out) : a.intersection(b)
    }

    static func compatibility(vm: CPUFeatureset, host: CPUFeatureset) -> CPUCompatibility {
        guard libraryChecksCompatibility else { return vm.compatibility(onHost: host) }
        let n = max(vm.words.count, host.words.count)
        let x = vm.zeroExtended(to: n).words, y = host.zeroExtended(to: n).words
        var missing = [CChar](repeating: 0, count: 128)
        let rc = missing.withUnsafeMutableBufferPointer { m in xcg_compatible(x, y, n, m.baseAddress) }
        switch rc {
        case 0: return .compatible
        case 1: return .incompatible(missing: String(decoding: missing.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        default: return vm.compatibility(onHost: host)
        }
    }
}

extension LibxlHypervisor {
    /// `libxl_send_debug_keys`: Xen runs each key's handler; the output is in `xl dmesg`.
    public func sendDebugKeys(_ keys: String) async throws {
        let ctx = self.ctx
        try await call("sendDebugKeys") {
            LibxlError.clearThreadMessage()
            let rc = keys.withCString { libxl_send_debug_keys(ctx.raw, UnsafeMutablePointer(mutating: $0)) }
            try LibxlError.check(rc, "libxl_send_debug_keys", context: "keys \"\(keys)\"")
        }
    }

    public func combineCPUFeaturesets(_ a: CPUFeatureset, _ b: CPUFeatureset) async throws -> CPUFeatureset {
        CPUFeaturesetCalls.combine(a, b)
    }

    public func checkCPUCompatibility(vm: CPUFeatureset, host: CPUFeatureset) async throws -> CPUCompatibility {
        CPUFeaturesetCalls.compatibility(vm: vm, host: host)
    }
}

/// A CPU featureset as XAPI and xenopsd pass it in `Host.cpu_info` and to
/// `HOST.combine_cpu_policies`/`HOST.is_compatible`: 32-bit words of CPUID feature bits (Xen's
/// `XEN_SYSCTL_get_cpu_featureset` layout), each printed as 8 lower-case hex digits and joined
/// with `-`, e.g. `"17cbfbff-f7fa3223-2d93fbff-00000023"`. The empty string is the empty set.
///
/// The arithmetic is xenopsd's `Cpuid` module (`xen-api:ocaml/libs/cpuid/cpuid.ml`), which is
/// what xenopsd itself runs on a Xen whose libxenguest lacks the XenServer calls
/// `xc_combine_cpu_featuresets`/`xc_cpu_featuresets_are_compatible` (stock Xen 4.17 does):
/// shorter sets are zero-extended, and intersecting with the empty set is the identity.
public struct CPUFeatureset: Sendable, Hashable, CustomStringConvertible {
    /// The feature words, word 0 first.
    public var words: [UInt32]

    public init(words: [UInt32]) {
        self.words = words
    }

    /// Parses the wire form: `-`-separated groups of 1 to 8 hex digits (xenopsd reads each
    /// group with `Scanf "%08Lx%!"`); `""` is the empty featureset.
    ///
    /// - Throws: ``CPUFeaturesetError`` naming the first bad group.
    public init(parsing text: String) throws(CPUFeaturesetError) {
        guard !text.isEmpty else {
            self.words = []
            return
        }
        var words: [UInt32] = []
        for (index, group) in text.split(separator: "-", omittingEmptySubsequences: false).enumerated() {
            guard (1...8).contains(group.utf8.count), group.utf8.allSatisfy(\.isHexDigit), let word = UInt32(group, radix: 16) else {
                throw CPUFeaturesetError(text: text, group: index, found: String(group))
            }
            words.append(word)
        }
        self.words = words
    }

    /// The wire form: each word as `%08x`, joined with `-` (xenopsd's `string_of_features`).
    public var description: String {
        words.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined(separator: "-")
    }

    public var isEmpty: Bool { words.isEmpty }

    /// Truncated or zero-extended to `count` words (`Cpuid.zero_extend`).
    public func zeroExtended(to count: Int) -> CPUFeatureset {
        CPUFeatureset(words: (0..<max(0, count)).map { $0 < words.count ? words[$0] : 0 })
    }

    /// `Cpuid.intersect`: the bitwise AND of both sets, zero-extended to the longer one; the
    /// empty set is the identity (so XAPI can fold pool levelling from `""`).
    public func intersection(_ other: CPUFeatureset) -> CPUFeatureset {
        if words.isEmpty { return other }
        if other.words.isEmpty { return self }
        return Self.combine(self, other, &)
    }

    /// `Cpuid.diff`: the features in `self` that `other` lacks.
    public func subtracting(_ other: CPUFeatureset) -> CPUFeatureset {
        Self.combine(self, other) { $0 & ~$1 }
    }

    /// `Cpuid.is_subset`: whether every feature of `self` is in `other` (zero-extending; note
    /// that, as in xenopsd, a non-empty set is a "subset" of the empty set).
    public func isSubset(of other: CPUFeatureset) -> Bool {
        let n = max(words.count, other.words.count)
        return intersection(other).zeroExtended(to: n) == zeroExtended(to: n)
    }

    /// xenopsd's `is_compatible` fallback (`xenops_server_xen.ml`, `HOST.is_compatible`): the
    /// VM's set is truncated or zero-extended to the host's length, then must be a subset of it.
    public func compatibility(onHost host: CPUFeatureset) -> CPUCompatibility {
        let vm = zeroExtended(to: host.words.count)
        if vm.isSubset(of: host) { return .compatible }
        return .incompatible(missing: vm.subtracting(host).description)
    }

    private static func combine(_ a: CPUFeatureset, _ b: CPUFeatureset, _ op: (UInt32, UInt32) -> UInt32) -> CPUFeatureset {
        let n = max(a.words.count, b.words.count)
        let x = a.zeroExtended(to: n).words, y = b.zeroExtended(to: n).words
        return CPUFeatureset(words: (0..<n).map { op(x[$0], y[$0]) })
    }
}

/// Whether a VM's CPU featureset fits a host's (`HOST.is_compatible`).
public enum CPUCompatibility: Sendable, Hashable {
    case compatible
    /// The host lacks these features: a featureset string, or the feature names libxenguest
    /// gives (`"avx512f avx512dq"`).
    case incompatible(missing: String)

    public var isCompatible: Bool { self == .compatible }
}

/// A string that is not a CPU featureset.
public struct CPUFeaturesetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The whole text.
    public var text: String
    /// The index of the first bad `-`-separated group.
    public var group: Int
    /// That group.
    public var found: String

    public init(text: String, group: Int, found: String) {
        self.text = text
        self.group = group
        self.found = found
    }

    public var description: String {
        let shown = text.count > 120 ? String(text.prefix(120)) + "…" : text
        let what = found.isEmpty ? "is empty" : "\"\(found.count > 20 ? String(found.prefix(20)) + "…" : found)\" is not 1 to 8 hex digits"
        return "\"\(shown)\" is not a CPU featureset: group \(group + 1) \(what). Expected 32-bit hex words joined by '-', as in HOST.stat's features_* fields (e.g. \"17cbfbff-f7fa3223-2d93fbff\")"
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}

import XenopsCore

/// The CPU featuresets of one simulated host, as Xen's `XEN_SYSCTL_get_cpu_featureset`
/// indices name them. Defaults: an Intel Skylake-era host; the PV sets lack word 4
/// (PV guests never see those bits) and the default sets lack word 9, so each default is a
/// subset of its max, as Xen guarantees.
public struct SimulatedCPUFeaturesets: Sendable, Hashable {
    /// `XEN_SYSCTL_cpu_featureset_host` (`Host.cpu_info.features`).
    public var host: CPUFeatureset
    /// PV max policy (`features_pv`, used for migration checks).
    public var pvMax: CPUFeatureset
    /// HVM max policy (`features_hvm`).
    public var hvmMax: CPUFeatureset
    /// PV default policy (`features_pv_host`, what new PV guests get; pool levelling).
    public var pvDefault: CPUFeatureset
    /// HVM default policy (`features_hvm_host`).
    public var hvmDefault: CPUFeatureset

    public static let defaultHost = CPUFeatureset(words: [
        0x1fcb_fbff, 0xf7fa_3223, 0x2c10_0800, 0x0000_0121, 0x0000_000f, 0x009c_67af,
        0x0000_0000, 0x0000_0000, 0x0000_1000, 0x9c00_0400, 0x0000_0000, 0x0000_0000,
    ])

    /// The defaults above, or every set derived from `host` the same way.
    public init(host: CPUFeatureset = Self.defaultHost) {
        self.host = host
        hvmMax = host
        pvMax = Self.clearing([4], in: host)
        hvmDefault = Self.clearing([9], in: host)
        pvDefault = Self.clearing([4, 9], in: host)
    }

    public init(host: CPUFeatureset, pvMax: CPUFeatureset, hvmMax: CPUFeatureset, pvDefault: CPUFeatureset, hvmDefault: CPUFeatureset) {
        self.host = host
        self.pvMax = pvMax
        self.hvmMax = hvmMax
        self.pvDefault = pvDefault
        self.hvmDefault = hvmDefault
    }

    static func clearing(_ indices: Set<Int>, in set: CPUFeatureset) -> CPUFeatureset {
        CPUFeatureset(words: set.words.enumerated().map { indices.contains($0.offset) ? 0 : $0.element })
    }
}

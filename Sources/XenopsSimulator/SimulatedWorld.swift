/// Everything the simulated hypervisor knows that a real one would keep across a toolstack
/// restart: the domains and the domid allocator. This is what the state file holds.
struct SimulatedWorld: Codable, Sendable, Hashable {
    /// Bumped when the on-disk form changes incompatibly.
    static let formatVersion = 1
    /// Xen reserves domids from `DOMID_FIRST_RESERVED` (0x7FF0) up.
    static let firstReservedDomid = 0x7FF0

    var format = "xenopsd-ng-simulator-state"
    var version = SimulatedWorld.formatVersion
    /// The next domid to try; allocation skips ids in use and wraps like Xen's.
    var nextDomid = 1
    /// Seconds since the epoch when the simulated host "booted" (dom0's start time).
    var hostBootTime: Double
    /// Guest domains by uuid (dom0 is synthesised, never stored).
    var domains: [String: SimulatedDomain] = [:]
    /// xenstore keys outside the domains' homes (`/xapi/…`, `/guest_agent_features/…`).
    var xenstore: [String: String]?
    /// PCI functions (`dddd:bb:dd.f`) in quarantine: taken from a guest, not yet given back to dom0.
    var quarantinedPCI: Set<String>?

    init(hostBootTime: Double) {
        self.hostBootTime = hostBootTime
    }

    /// Allocates the next free domid.
    mutating func allocateDomid() -> Int {
        let used = Set(domains.values.map(\.domid))
        var candidate = nextDomid
        for _ in 0..<Self.firstReservedDomid {
            if candidate <= 0 || candidate >= Self.firstReservedDomid { candidate = 1 }
            if !used.contains(candidate) { break }
            candidate += 1
        }
        nextDomid = candidate + 1
        return candidate
    }

    /// Bytes reserved by guest domains.
    var reservedBytes: Int64 { domains.values.reduce(0) { $0 + $1.memoryMax } }

    /// Why this world cannot be right, or nil: used to reject a corrupt state file.
    func inconsistency() -> String? {
        if format != "xenopsd-ng-simulator-state" { return "the format tag is \"\(format)\"" }
        if version != Self.formatVersion { return "format version \(version) is not supported (expected \(Self.formatVersion))" }
        var domids = Set<Int>()
        for (key, d) in domains {
            if key != d.uuid { return "domain \(d.domid) is stored under uuid \(key) but has uuid \(d.uuid)" }
            if d.domid <= 0 || d.domid >= Self.firstReservedDomid { return "domain \(d.uuid) has an invalid domid \(d.domid)" }
            if !domids.insert(d.domid).inserted { return "domid \(d.domid) is used twice" }
            if d.vcpusOnline < 0 || d.vcpusOnline > d.vcpusMax { return "domain \(d.uuid) has \(d.vcpusOnline) of \(d.vcpusMax) vCPUs online" }
            if d.memoryMax < 0 { return "domain \(d.uuid) has negative memory" }
        }
        return nil
    }
}

import CXenLight
import Foundation
import XenopsCore

/// The fields of `libxl_physinfo` the backend reports.
struct PhysInfo: Sendable, Hashable {
    var threadsPerCore: Int = 1
    var coresPerSocket: Int = 1
    var cpus: Int = 0
    var cpuKHz: Int = 0
    var totalPages: UInt64 = 0
    var freePages: UInt64 = 0
    var nodes: Int = 1
    var hvm = false
    var iommu = false

    init() {}

    init(_ p: libxl_physinfo) {
        threadsPerCore = Int(p.threads_per_core)
        coresPerSocket = Int(p.cores_per_socket)
        cpus = Int(p.nr_cpus)
        cpuKHz = Int(p.cpu_khz)
        totalPages = p.total_pages
        freePages = p.free_pages
        nodes = Int(p.nr_nodes)
        hvm = p.cap_hvm
        iommu = p.cap_hvm_directio
    }
}

/// The featuresets xenopsd reads with `xc_get_cpu_featureset` for `HOST.stat`.
struct HostFeaturesets: Sendable, Hashable {
    /// `XEN_SYSCTL_cpu_featureset_host` → `features`.
    var host = CPUFeatureset(words: [])
    /// The default policies (what new guests get) → `features_pv_host`, `features_hvm_host`.
    var pvDefault = CPUFeatureset(words: [])
    var hvmDefault = CPUFeatureset(words: [])
    /// The max policies (migration checks) → `features_pv`, `features_hvm`.
    var pvMax = CPUFeatureset(words: [])
    var hvmMax = CPUFeatureset(words: [])

    /// xenopsd's sanity check (`debug_featuresets`): a default policy with features its max
    /// policy lacks is an internal error, with this message.
    func checkDefaultsWithinMax() throws(XenopsError) {
        for (name, def, max) in [("PV", pvDefault, pvMax), ("HVM", hvmDefault, hvmMax)] where !def.isSubset(of: max) {
            throw .internalError("CPUID default policy has features that are not present in Max policy! (\(name) default - max = \(def.subtracting(max)))")
        }
    }
}

/// What `HOST.stat` reports, from libxl's physinfo and version, libxenguest's featuresets and
/// dom0's `/proc/cpuinfo` (libxl does not name the CPU). Pure, so it is tested without Xen.
struct HostFacts: Sendable {
    var physinfo: PhysInfo
    var featuresets: HostFeaturesets
    var versionMajor: Int
    var versionMinor: Int
    var versionExtra: String
    var capabilities: String
    var cpuinfo: String

    init(physinfo: PhysInfo, featuresets: HostFeaturesets, versionMajor: Int, versionMinor: Int, versionExtra: String, capabilities: String, cpuinfo: String) {
        self.physinfo = physinfo
        self.featuresets = featuresets
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.versionExtra = versionExtra
        self.capabilities = capabilities
        self.cpuinfo = cpuinfo
    }

    init(physinfo: PhysInfo, featuresets: HostFeaturesets, version v: libxl_version_info, cpuinfo: String) {
        self.init(
            physinfo: physinfo, featuresets: featuresets, versionMajor: Int(v.xen_version_major), versionMinor: Int(v.xen_version_minor),
            versionExtra: CMemory.swiftString(v.xen_version_extra) ?? "", capabilities: CMemory.swiftString(v.capabilities) ?? "",
            cpuinfo: cpuinfo)
    }

    /// `"4.17.3"`: major.minor plus libxl's extra string (`".3"`, `"-rc"`).
    var version: String { "\(versionMajor).\(versionMinor)\(versionExtra)" }

    /// The first processor's `key: value` lines of `/proc/cpuinfo`.
    var firstCPU: [String: String] {
        var fields: [String: String] = [:]
        for line in cpuinfo.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !fields.isEmpty { break }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = value }
        }
        return fields
    }

    var hostInfo: HostInfo {
        let p = physinfo
        let cpu = firstCPU
        var c = HostInfo.CPUInfo()
        c.cpuCount = p.cpus
        c.threadsPerCore = max(1, p.threadsPerCore)
        c.socketCount = max(1, p.cpus / max(1, p.threadsPerCore * p.coresPerSocket))
        c.nrNodes = max(1, p.nodes)
        c.vendor = cpu["vendor_id"] ?? ""
        c.speed = String(format: "%.3f", Double(p.cpuKHz) / 1000)
        c.modelname = cpu["model name"] ?? ""
        c.family = cpu["cpu family"] ?? ""
        c.model = cpu["model"] ?? ""
        c.stepping = cpu["stepping"] ?? ""
        c.flags = cpu["flags"] ?? ""
        let f = featuresets
        c.features = f.host.description
        c.featuresPV = f.pvMax.description
        c.featuresHVM = f.hvmMax.description
        c.featuresPVHost = f.pvDefault.description
        c.featuresHVMHost = f.hvmDefault.description
        return HostInfo(
            cpuInfo: c,
            hypervisor: .init(version: version, capabilities: capabilities),
            chipsetInfo: .init(iommu: p.iommu, hvm: p.hvm))
    }
}

import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

@Suite struct HostFactsTests {
    @Test func hostInfoFromPhysinfoVersionAndCpuinfo() {
        var p = PhysInfo()
        p.cpus = 8
        p.threadsPerCore = 2
        p.coresPerSocket = 4
        p.cpuKHz = 2_400_000
        p.nodes = 1
        p.hvm = true
        p.iommu = false
        let cpuinfo = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 85
            model name\t: Intel(R) Xeon(R) CPU
            stepping\t: 7
            flags\t\t: fpu vme de

            processor\t: 1
            vendor_id\t: Other
            """
        let facts = HostFacts(physinfo: p, featuresets: Self.featuresets, versionMajor: 4, versionMinor: 17, versionExtra: ".3", capabilities: "xen-3.0-x86_64 hvm-3.0-x86_64", cpuinfo: cpuinfo)
        let info = facts.hostInfo
        #expect(info.hypervisor.version == "4.17.3")
        #expect(info.hypervisor.capabilities == "xen-3.0-x86_64 hvm-3.0-x86_64")
        #expect(info.cpuInfo.cpuCount == 8 && info.cpuInfo.socketCount == 1 && info.cpuInfo.threadsPerCore == 2)
        #expect(info.cpuInfo.vendor == "GenuineIntel")
        #expect(info.cpuInfo.modelname == "Intel(R) Xeon(R) CPU")
        #expect(info.cpuInfo.family == "6" && info.cpuInfo.model == "85" && info.cpuInfo.stepping == "7")
        #expect(info.cpuInfo.flags == "fpu vme de")
        #expect(info.cpuInfo.speed == "2400.000")
        // xenopsd's mapping: features = host; features_pv/hvm = the max policies; *_host = the defaults.
        #expect(info.cpuInfo.features == "17cbfbff-f7fa3223-2d93fbff-00000023-00000001-000007ab-00000000-00000000-00001000-9c000400")
        #expect(info.cpuInfo.featuresPV == "17c9cbf5-f6f83203-2191cbf5-00000003-00000000-00000000-00000000-00000000-00001000-8c000400")
        #expect(info.cpuInfo.featuresHVM == "17cbfbff-f7fa3223-2d93fbff-00000023-00000001-000007ab-00000000-00000000-00001000-9c000400")
        #expect(info.cpuInfo.featuresPVHost == "17c9cbf5-f6f83203-2191cbf5-00000003-00000000-00000000-00000000-00000000-00001000-0c000400")
        #expect(info.cpuInfo.featuresHVMHost == "17cbfbff-f7fa3203-2d93fbff-00000003-00000001-000007ab-00000000-00000000-00001000-1c000400")
        #expect(info.chipsetInfo == .init(iommu: false, hvm: true))
    }

    /// A host's featuresets shaped like real ones (the host set is a real VM's `featureset`
    /// from xen-api's ocaml/xenopsd/test/test.ml); each default is within its max.
    static let featuresets: HostFeaturesets = {
        func f(_ s: String) -> CPUFeatureset { (try? CPUFeatureset(parsing: s)) ?? CPUFeatureset(words: []) }
        return HostFeaturesets(
            host: f("17cbfbff-f7fa3223-2d93fbff-00000023-00000001-000007ab-00000000-00000000-00001000-9c000400"),
            pvDefault: f("17c9cbf5-f6f83203-2191cbf5-00000003-00000000-00000000-00000000-00000000-00001000-0c000400"),
            hvmDefault: f("17cbfbff-f7fa3203-2d93fbff-00000003-00000001-000007ab-00000000-00000000-00001000-1c000400"),
            pvMax: f("17c9cbf5-f6f83203-2191cbf5-00000003-00000000-00000000-00000000-00000000-00001000-8c000400"),
            hvmMax: f("17cbfbff-f7fa3223-2d93fbff-00000023-00000001-000007ab-00000000-00000000-00001000-9c000400"))
    }()

    @Test("a default featureset within its max passes xenopsd's sanity check; one beyond it is an internal error")
    func defaultsWithinMax() throws {
        try Self.featuresets.checkDefaultsWithinMax()
        var bad = Self.featuresets
        bad.pvDefault.words[9] |= 0x0000_0001
        #expect(throws: XenopsError.internalError("CPUID default policy has features that are not present in Max policy! (PV default - max = 00000000-00000000-00000000-00000000-00000000-00000000-00000000-00000000-00000000-00000001)")) {
            try bad.checkDefaultsWithinMax()
        }
    }

    @Test("combine and is_compatible on the libxl backend follow xenopsd: libxenguest's calls if present, else the Cpuid arithmetic")
    func combineAndCompatibility() {
        let a = CPUFeatureset(words: [0x07cb_fbff, 0x0408_2201, 0x2010_0800, 0x0000_0001])
        let b = CPUFeatureset(words: [0x07c9_cbf5, 0x8008_2201, 0x2010_0800])
        let combined = CPUFeaturesetCalls.combine(a, b)
        // Both paths AND the words (the library also recalculates RSBA/RRSBA, word 16, absent here).
        #expect(combined == CPUFeatureset(words: [0x07c9_cbf5, 0x0008_2201, 0x2010_0800, 0]))
        #expect(CPUFeaturesetCalls.compatibility(vm: combined, host: a).isCompatible)
        guard case .incompatible(let missing) = CPUFeaturesetCalls.compatibility(vm: a, host: b) else {
            Issue.record("a is not within b")
            return
        }
        if CPUFeaturesetCalls.libraryChecksCompatibility {
            #expect(!missing.isEmpty)  // the library names the features
        } else {
            // Stock Xen 4.17: the VM's set cut to the host's 3 words, minus the host's.
            #expect(missing == "0002300a-04000000-00000000")
        }
    }
}

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
        p.hwCap = [0x1fcbfbff, 0xf7fa3223, 0, 0, 0, 0, 0, 0]
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
        let facts = HostFacts(physinfo: p, versionMajor: 4, versionMinor: 17, versionExtra: ".3", capabilities: "xen-3.0-x86_64 hvm-3.0-x86_64", cpuinfo: cpuinfo)
        let info = facts.hostInfo
        #expect(info.hypervisor.version == "4.17.3")
        #expect(info.hypervisor.capabilities == "xen-3.0-x86_64 hvm-3.0-x86_64")
        #expect(info.cpuInfo.cpuCount == 8 && info.cpuInfo.socketCount == 1 && info.cpuInfo.threadsPerCore == 2)
        #expect(info.cpuInfo.vendor == "GenuineIntel")
        #expect(info.cpuInfo.modelname == "Intel(R) Xeon(R) CPU")
        #expect(info.cpuInfo.family == "6" && info.cpuInfo.model == "85" && info.cpuInfo.stepping == "7")
        #expect(info.cpuInfo.flags == "fpu vme de")
        #expect(info.cpuInfo.speed == "2400.000")
        #expect(info.cpuInfo.features == "1fcbfbff-f7fa3223-00000000-00000000-00000000-00000000-00000000-00000000")
        #expect(info.chipsetInfo == .init(iommu: false, hvm: true))
    }
}

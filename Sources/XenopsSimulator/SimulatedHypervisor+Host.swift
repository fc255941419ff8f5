import XenopsBackend
import XenopsCore

extension SimulatedHypervisor {
    /// A plausible x86-64 host: ``SimulatorConfiguration/cpuCount`` CPUs, Xen `4.17.0-simulated`,
    /// the featuresets of ``SimulatorConfiguration/cpuFeaturesets``.
    public func hostInfo() async throws -> HostInfo {
        try await begin(.hostInfo, vm: nil)
        var cpu = HostInfo.CPUInfo()
        cpu.cpuCount = configuration.cpuCount
        cpu.socketCount = 1
        cpu.threadsPerCore = 1
        cpu.nrNodes = 1
        cpu.vendor = "GenuineIntel"
        cpu.speed = "2400.000"
        cpu.modelname = "Simulated Xeon CPU @ 2.40GHz"
        cpu.family = "6"
        cpu.model = "85"
        cpu.stepping = "7"
        cpu.flags = "fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush acpi mmx fxsr sse sse2 ht syscall nx lm constant_tsc rep_good nopl nonstop_tsc cpuid pni pclmulqdq monitor ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm"
        let f = configuration.cpuFeaturesets
        cpu.features = f.host.description
        cpu.featuresPV = f.pvMax.description
        cpu.featuresHVM = f.hvmMax.description
        cpu.featuresPVHost = f.pvDefault.description
        cpu.featuresHVMHost = f.hvmDefault.description
        return HostInfo(
            cpuInfo: cpu,
            hypervisor: .init(version: "4.17.0-simulated", capabilities: "xen-3.0-x86_64 hvm-3.0-x86_64"),
            chipsetInfo: .init(iommu: true, hvm: true))
    }

    /// ``SimulatorConfiguration/hostMemoryBytes`` in MiB.
    public func totalMemoryMiB() async throws -> Int64 {
        try await begin(.totalMemoryMiB, vm: nil)
        return configuration.hostMemoryBytes >> 20
    }

    /// Host memory minus dom0 and every guest's reservation (shut-down domains included).
    public func freeMemoryBytes() async throws -> Int64 {
        try await begin(.freeMemoryBytes, vm: nil)
        return state.withLock { freeBytes($0.world) }
    }

    /// The ring of simulator log lines (creations, shutdowns, injected faults, …).
    public func consoleData() async throws -> String {
        try await begin(.consoleData, vm: nil)
        return state.withLock { $0.console.text }
    }

    /// dom0 first, then every guest (managed or not) by domid.
    public func listDomains() async throws -> [DomainInfo] {
        try await begin(.listDomains, vm: nil)
        return state.withLock { s in
            [dom0(s.world).info] + s.world.domains.values.sorted { $0.domid < $1.domid }.map(\.info)
        }
    }

    /// The domain of `vm` (dom0 for ``dom0UUID``), or nil.
    public func domainInfo(vm: String) async throws -> DomainInfo? {
        try await begin(.domainInfo, vm: vm)
        return state.withLock { s in
            vm == Self.dom0UUID ? dom0(s.world).info : s.world.domains[vm]?.info
        }
    }
}

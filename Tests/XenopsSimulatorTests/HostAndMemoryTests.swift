import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator

@Suite("Host and memory accounting")
struct HostAndMemoryTests {
    @Test("dom0 is always listed with the zero uuid and cannot be changed")
    func dom0() async throws {
        try await withSimulator(SimulatorConfiguration(dom0MemoryBytes: 2 << 30, cpuCount: 4)) { sim in
            let all = try await sim.listDomains()
            #expect(all.count == 1)
            let d0 = try #require(all.first)
            #expect(d0.domid == 0)
            #expect(d0.uuid == "00000000-0000-0000-0000-000000000000")
            #expect(d0.name == "Domain-0")
            #expect(d0.state == .running)
            #expect(d0.memoryActual == 2 << 30)
            #expect(d0.vcpusOnline == 4)
            #expect(d0.creator == nil)
            #expect(try await sim.domainInfo(vm: SimulatedHypervisor.dom0UUID)?.domid == 0)
            for call in [{ try await sim.destroy(vm: SimulatedHypervisor.dom0UUID) }, { try await sim.pause(vm: SimulatedHypervisor.dom0UUID) }] {
                let error = await #expect(throws: BackendError.self) { try await call() }
                guard case .failed(_, _, let detail, _)? = error else { Issue.record("unexpected \(String(describing: error))"); continue }
                #expect(detail.contains("control domain"))
            }
            #expect(try await sim.listDomains().count == 1)
        }
    }

    @Test("hostInfo reports the configured CPUs and Xen-style feature words")
    func hostInfo() async throws {
        try await withSimulator(SimulatorConfiguration(cpuCount: 12)) { sim in
            let info = try await sim.hostInfo()
            #expect(info.cpuInfo.cpuCount == 12)
            #expect(info.hypervisor.version == "4.17.0-simulated")
            #expect(info.hypervisor.capabilities == "xen-3.0-x86_64 hvm-3.0-x86_64")
            for features in [info.cpuInfo.features, info.cpuInfo.featuresPV, info.cpuInfo.featuresHVM, info.cpuInfo.featuresPVHost, info.cpuInfo.featuresHVMHost] {
                let words = features.split(separator: "-")
                #expect(words.count > 1)
                #expect(words.allSatisfy { $0.count == 8 && UInt32($0, radix: 16) != nil }, "\(features)")
            }
            #expect(sim.kind == "simulator")
        }
    }

    @Test("createDomain charges memory_static_max and fails with notEnoughMemory when the host is full")
    func exhaustion() async throws {
        let gib: Int64 = 1 << 30
        try await withSimulator(SimulatorConfiguration(hostMemoryBytes: 4 * gib, dom0MemoryBytes: gib)) { sim in
            #expect(try await sim.totalMemoryMiB() == 4096)
            #expect(try await sim.freeMemoryBytes() == 3 * gib)
            let a = makeSpec(memory: 2 * gib)
            let created = try await sim.createDomain(a)
            #expect(created.memoryMax == 2 * gib)
            #expect(try await sim.freeMemoryBytes() == gib)
            let b = makeSpec(memory: 2 * gib)
            await #expect(throws: BackendError.xenops(.notEnoughMemory(2 * gib))) { try await sim.createDomain(b) }
            #expect(try await sim.domainInfo(vm: b.vm.id) == nil, "a failed create leaves nothing behind")
            // Unmanaged domains hold memory too.
            try sim.createUnmanagedDomain(name: "xl-guest", memory: gib / 2)
            #expect(try await sim.freeMemoryBytes() == gib / 2)
            #expect(throws: BackendError.xenops(.notEnoughMemory(gib))) { try sim.createUnmanagedDomain(name: "big", memory: gib) }
            // A shut-down domain keeps its memory until destroyed.
            try await sim.unpause(vm: a.vm.id)
            try sim.simulateGuestShutdown(vm: a.vm.id, reason: .poweroff)
            await #expect(throws: BackendError.xenops(.notEnoughMemory(2 * gib))) { try await sim.createDomain(b) }
            try await sim.destroy(vm: a.vm.id)
            #expect(try await sim.freeMemoryBytes() == 2 * gib + gib / 2)
            _ = try await sim.createDomain(b)
        }
    }

    @Test("the reservation is the larger of static and dynamic max; the target starts at dynamic max")
    func reservation() async throws {
        try await withSimulator { sim in
            var spec = makeSpec(memory: 512 << 20)
            spec.vm.memoryDynamicMax = 384 << 20
            let info = try await sim.createDomain(spec)
            #expect(info.memoryMax == 512 << 20)
            #expect(info.memoryTarget == 384 << 20)
            #expect(info.memoryActual == 384 << 20)
        }
    }

    @Test("createDomain validates vCPUs, memory and duplicate uuids")
    func createValidation() async throws {
        try await withSimulator { sim in
            await #expect(throws: BackendError.xenops(.invalidVcpus(3))) { try await sim.createDomain(makeSpec(vcpus: 3, vcpuMax: 2)) }
            await #expect(throws: BackendError.xenops(.invalidVcpus(0))) { try await sim.createDomain(makeSpec(vcpus: 0, vcpuMax: 0)) }
            await #expect(throws: BackendError.self) { try await sim.createDomain(makeSpec(memory: 0)) }
            let spec = makeSpec()
            _ = try await sim.createDomain(spec)
            await #expect(throws: BackendError.xenops(.alreadyExists(namespace: "domain", path: spec.vm.id))) { try await sim.createDomain(spec) }
            var twoDisks = makeSpec()
            twoDisks.vbds = [disk(twoDisks.vm.id, "xvda"), disk(twoDisks.vm.id, "xvda")]
            await #expect(throws: BackendError.self) { try await sim.createDomain(twoDisks) }
            #expect(try await sim.listDomains().count == 2)
        }
    }

    @Test("domids are allocated sequentially from 1 and the console records what happened")
    func domidsAndConsole() async throws {
        try await withSimulator(SimulatorConfiguration(consoleRingLines: 8)) { sim in
            var domids: [Int] = []
            for _ in 0..<3 { domids.append(try await sim.createDomain(makeSpec()).domid) }
            #expect(domids == [1, 2, 3])
            let console = try await sim.consoleData()
            #expect(console.contains("created domain 3"))
            for _ in 0..<20 { try await sim.setXSData(vm: try await sim.listDomains()[1].uuid, ["k": "v"]) }
            let bounded = try await sim.consoleData()
            #expect(bounded.split(separator: "\n").count == 8, "the console ring keeps the configured number of lines")
        }
    }

    @Test("a created domain is paused, reports its spec and is made by xenopsd-ng")
    func createdDomain() async throws {
        try await withSimulator { sim in
            var spec = makeSpec(name: "web", vcpus: 2, vcpuMax: 4)
            spec.vm.xsdata = ["vm-data/x": "1"]
            spec.vbds = [disk(spec.vm.id, "xvda", "/dev/vg/root"), disk(spec.vm.id, "xvdd", nil, kind: .cdrom)]
            spec.vifs = [nic(spec.vm.id, "0")]
            spec.pcis = [PCI(id: DeviceID(vm: spec.vm.id, name: "0"), position: 0, address: PCIAddress(bus: 3))]
            let info = try await sim.createDomain(spec)
            #expect(info.state == .paused)
            #expect(info.name == "web")
            #expect(info.vcpusOnline == 2 && info.vcpusMax == 4)
            #expect(info.creator == SimulatedHypervisor.managedCreator)
            #expect(info.domainType == .pv)
            #expect(info.devices.vbds == ["xvda": .local("/dev/vg/root"), "xvdd": Disk?.none])
            #expect(info.devices.vifs == ["0": true])
            #expect(info.devices.pcis == ["0"])
            #expect(!info.consoles.isEmpty)
        }
    }
}

/// The simulator's host-policy calls: per-host featuresets, debug keys in the console, NUMA.
@Suite struct SimulatedHostPolicyTests {
    @Test("the featuresets are configurable per simulated host and reported by hostInfo")
    func configurableFeaturesets() async throws {
        let host = CPUFeatureset(words: [0x0000_00ff, 0x0000_0f0f])
        try await withSimulator(SimulatorConfiguration(cpuFeaturesets: SimulatedCPUFeaturesets(host: host))) { sim in
            let cpu = try await sim.hostInfo().cpuInfo
            #expect(cpu.features == "000000ff-00000f0f")
            #expect(cpu.featuresHVM == "000000ff-00000f0f")
            #expect(cpu.featuresPV == "000000ff-00000f0f")  // word 4 is beyond this host's two words
            // Two simulated hosts: their combination is what both offer.
            let other = CPUFeatureset(words: [0x0000_0f0f])
            #expect(try await sim.combineCPUFeaturesets(host, other) == CPUFeatureset(words: [0x0000_000f, 0]))
            #expect(try await sim.checkCPUCompatibility(vm: other, host: host) == .incompatible(missing: "00000f00-00000000"))
        }
    }

    @Test("debug keys print what Xen prints; keys without a handler are ignored, as in Xen")
    func debugKeys() async throws {
        try await withSimulator { sim in
            try await sim.sendDebugKeys("h!")
            let console = try await sim.consoleData()
            #expect(console.contains("'h' pressed -> showing installed handlers"))
            #expect(console.contains(" key 'q' (ascii '71') => dump domain (and guest debug) info"))
            #expect(!console.contains("'!' pressed"))
            #expect(sim.calls().contains { $0.operation == .sendDebugKeys && $0.detail == "h!" })
        }
    }
}

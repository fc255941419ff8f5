import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator
import XenopsTestSupport

@Suite("Devices of a live domain")
struct DeviceTests {
    private func created(_ sim: SimulatedHypervisor, _ configure: (inout DomainSpec) -> Void = { _ in }) async throws -> String {
        var spec = makeSpec()
        configure(&spec)
        _ = try await sim.createDomain(spec)
        return spec.vm.id
    }

    @Test("plugging a device name twice fails; unplugging a missing one throws noDevice")
    func duplicatesAndMissing() async throws {
        try await withSimulator { sim in
            let vm = try await created(sim)
            try await sim.plugVBD(vm: vm, disk(vm, "xvdb", "/a"))
            await #expect(throws: BackendError.xenops(.alreadyExists(namespace: "VBD", path: "\(vm).xvdb"))) { try await sim.plugVBD(vm: vm, disk(vm, "xvdb", "/b")) }
            try await sim.plugVIF(vm: vm, nic(vm, "0"))
            await #expect(throws: BackendError.xenops(.alreadyExists(namespace: "VIF", path: "\(vm).0"))) { try await sim.plugVIF(vm: vm, nic(vm, "0")) }
            await #expect(throws: BackendError.noDevice(vm: vm, device: "xvdz")) { try await sim.unplugVBD(vm: vm, name: "xvdz", force: true) }
            await #expect(throws: BackendError.noDevice(vm: vm, device: "9")) { try await sim.unplugVIF(vm: vm, name: "9", force: false) }
            await #expect(throws: BackendError.noDevice(vm: vm, device: "9")) { try await sim.setCarrier(vm: vm, vif: "9", carrier: true) }
            await #expect(throws: BackendError.noDevice(vm: vm, device: "7")) { try await sim.unplugPCI(vm: vm, name: "7") }
        }
    }

    @Test("a VBD that is not unpluggable is only removed with force")
    func unpluggable() async throws {
        try await withSimulator { sim in
            let vm = try await created(sim)
            var vbd = disk(vm, "xvda", "/root")
            vbd.unpluggable = false
            try await sim.plugVBD(vm: vm, vbd)
            await #expect(throws: BackendError.xenops(.deviceDetachRejected(kind: "VBD", id: "xvda", reason: "the device is not unpluggable"))) {
                try await sim.unplugVBD(vm: vm, name: "xvda", force: false)
            }
            try await sim.unplugVBD(vm: vm, name: "xvda", force: true)
            #expect(try await sim.domainInfo(vm: vm)?.devices.vbds.isEmpty == true)
        }
    }

    @Test("media operations: only removable drives, no double insert, no empty eject")
    func media() async throws {
        try await withSimulator { sim in
            let vm = try await created(sim) { spec in
                spec.vbds = [disk(spec.vm.id, "xvda", "/root"), disk(spec.vm.id, "xvdd", nil, kind: .cdrom)]
            }
            await #expect(throws: BackendError.xenops(.mediaNotEjectable)) { try await sim.ejectMedia(vm: vm, vbd: "xvda") }
            await #expect(throws: BackendError.xenops(.mediaNotEjectable)) { try await sim.insertMedia(vm: vm, vbd: "xvda", disk: .local("/x")) }
            await #expect(throws: BackendError.xenops(.mediaNotPresent)) { try await sim.ejectMedia(vm: vm, vbd: "xvdd") }
            try await sim.insertMedia(vm: vm, vbd: "xvdd", disk: .vdi("sr/vdi"))
            await #expect(throws: BackendError.xenops(.mediaPresent)) { try await sim.insertMedia(vm: vm, vbd: "xvdd", disk: .local("/y")) }
            #expect(try await sim.domainInfo(vm: vm)?.devices.vbds["xvdd"] == .some(.vdi("sr/vdi")))
            await #expect(throws: BackendError.noDevice(vm: vm, device: "xvdq")) { try await sim.insertMedia(vm: vm, vbd: "xvdq", disk: .local("/y")) }
        }
    }

    @Test("a host PCI function can be passed through to one domain at a time")
    func pci() async throws {
        try await withSimulator { sim in
            let address = PCIAddress(domain: 0, bus: 0x3b, dev: 0, fn: 1)
            let a = try await created(sim)
            let b = try await created(sim)
            try await sim.plugPCI(vm: a, PCI(id: DeviceID(vm: a, name: "0"), position: 0, address: address))
            #expect(try await sim.domainInfo(vm: a)?.devices.pcis == ["0"])
            let error = await #expect(throws: BackendError.self) {
                try await sim.plugPCI(vm: b, PCI(id: DeviceID(vm: b, name: "0"), position: 0, address: address))
            }
            #expect(error?.description.contains("0000:3b:00.1 is already assigned") == true, "\(String(describing: error))")
            var spec = makeSpec()
            spec.pcis = [PCI(id: DeviceID(vm: spec.vm.id, name: "0"), position: 0, address: address)]
            await #expect(throws: BackendError.self) { try await sim.createDomain(spec) }
            try await sim.unplugPCI(vm: a, name: "0")
            try await sim.plugPCI(vm: b, PCI(id: DeviceID(vm: b, name: "0"), position: 0, address: address))
        }
    }

    @Test("device changes emit deviceChanged; vCPU and memory changes emit domainChanged")
    func events() async throws {
        try await withSimulator { sim in
            let log = ConformanceEventLog(hypervisor: sim)
            let vm = try await created(sim)
            try await sim.plugVIF(vm: vm, nic(vm, "1"))
            try await sim.setCarrier(vm: vm, vif: "1", carrier: false)
            try await sim.setVcpus(vm: vm, count: 2)
            _ = try await log.wait(for: "vcpus", timeout: 5) { _ in XenopsSimulatorTests.events(log, about: vm).count >= 4 }
            let vif = DynamicID.vif(DeviceID(vm: vm, name: "1"))
            #expect(XenopsSimulatorTests.events(log, about: vm) == [
                .domainChanged(vm: vm), .deviceChanged(vm: vm, device: vif), .deviceChanged(vm: vm, device: vif), .domainChanged(vm: vm),
            ])
        }
    }

    @Test("memory target must lie within 1…the domain's maximum; xenstore data merges")
    func memoryAndXSData() async throws {
        try await withSimulator { sim in
            let vm = try await created(sim)
            for bad: Int64 in [0, -1, (256 << 20) + 1] {
                await #expect(throws: BackendError.self) { try await sim.setMemoryTarget(vm: vm, bytes: bad) }
            }
            try await sim.setMemoryTarget(vm: vm, bytes: 256 << 20)
            try await sim.setXSData(vm: vm, ["a": "1"])
            try await sim.setXSData(vm: vm, ["b": "2", "a": "3"])
            #expect(try await sim.domainInfo(vm: vm)?.memoryTarget == 256 << 20)
            #expect(sim.calls(for: vm).filter { $0.operation == .setXSData }.map(\.detail) == ["a", "a,b"])
        }
    }
}

/// PCI quarantine as Xen keeps it: a function taken from a guest is quarantined until
/// `dequarantinePCI`; one a guest holds cannot be dequarantined.
@Suite struct PCIQuarantineTests {
    @Test func unplugQuarantinesAndDequarantineReleases() async throws {
        let sim = try SimulatedHypervisor()
        let vm = "5b6c7d8e-0000-4000-8000-000000000001"
        let address = PCIAddress(domain: 0, bus: 3, dev: 0, fn: 0)
        let pci = PCI(id: DeviceID(vm: vm, name: "0"), position: 0, address: address)
        let spec = DomainSpec(vm: VM(id: vm, name: "q", ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/k")))), memoryStaticMax: 64 << 20, vcpuMax: 1, vcpus: 1), pcis: [pci])
        _ = try await sim.createDomain(spec)
        await #expect(throws: BackendError.self) { try await sim.dequarantinePCI(address) }
        try await sim.unplugPCI(vm: vm, name: "0")
        #expect(sim.quarantinedPCI() == [address.description])
        try await sim.dequarantinePCI(address)
        #expect(sim.quarantinedPCI().isEmpty)
        try await sim.dequarantinePCI(address)  // not quarantined: nothing to do
        await sim.close()
    }
}

import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

/// Fields the translation cannot honour fail with an error that names the field and the fix.
@Suite struct DomainConfigBuilderErrorTests {
    let builder = DomainConfigBuilder()

    func failure(_ spec: DomainSpec, builder: DomainConfigBuilder? = nil) -> TranslationError? {
        do {
            _ = try (builder ?? self.builder).build(spec)
            return nil
        } catch {
            return error
        }
    }

    func pv() -> VM { Fixtures.vm(.pv(Fixtures.pvDirect())) }
    func hvm(_ change: (inout HVMInfo) -> Void = { _ in }) -> VM {
        var h = HVMInfo()
        change(&h)
        return Fixtures.vm(.hvm(h))
    }

    @Test func vdiWithoutResolverNeedsSMAPIv2() throws {
        let vbd = VBD(id: DeviceID(vm: Fixtures.uuid, name: "xvda"), position: DevicePosition(bus: .xen, disk: 0), backend: .vdi("sr-uuid/vdi-location"))
        let e = try #require(failure(DomainSpec(vm: pv(), vbds: [vbd])))
        #expect(e.kind == .unsupported)
        #expect(e.field == "VBD xvda: backend")
        #expect(e.reason.contains("SMAPIv2"))
        #expect(e.remedy.contains("Local"))
        guard case .unsupported(let op, let backend, let reason) = e.backendError(operation: "VM.start") else {
            Issue.record("expected .unsupported, got \(e.backendError(operation: "VM.start"))")
            return
        }
        #expect(op == "VM.start" && backend == "libxl" && reason.contains("SMAPIv2"))
    }

    @Test func vdiWithResolverUsesTheResolvedPath() throws {
        let resolving = DomainConfigBuilder(vdiResolver: { vdi in "/dev/sm/\(vdi.split(separator: "/").last ?? "")" })
        let vbd = VBD(id: DeviceID(vm: Fixtures.uuid, name: "xvda"), position: DevicePosition(bus: .xen, disk: 0), backend: .vdi("sr/abc"))
        let json = try resolving.build(DomainSpec(vm: pv(), vbds: [vbd])).json()
        #expect(json.contains("\"pdev_path\":\"/dev/sm/abc\"") || json.contains("\"pdev_path\": \"/dev/sm/abc\""))
    }

    @Test func resolverFailureIsReported() throws {
        struct Missing: Error, CustomStringConvertible { var description: String { "no such VDI" } }
        let failing = DomainConfigBuilder(vdiResolver: { _ in throw Missing() })
        let vbd = VBD(id: DeviceID(vm: Fixtures.uuid, name: "xvda"), position: DevicePosition(bus: .xen, disk: 0), backend: .vdi("sr/abc"))
        let e = try #require(failure(DomainSpec(vm: pv(), vbds: [vbd]), builder: failing))
        #expect(e.kind == .invalid && e.reason.contains("no such VDI"))
    }

    @Test(arguments: [VideoCard.vgpu, .igdPassthroughGVTd])
    func unsupportedVideo(_ card: VideoCard) throws {
        let e = try #require(failure(DomainSpec(vm: hvm { $0.video = card })))
        #expect(e.kind == .unsupported && e.field == "hvm_info.video")
    }

    @Test func hvmFieldsWithoutLibxlEquivalents() throws {
        #expect(failure(DomainSpec(vm: hvm { $0.tpm = TPM(vtpmUUID: "x") }))?.field == "hvm_info.tpm")
        #expect(failure(DomainSpec(vm: hvm { $0.pciEmulations = ["e1000"] }))?.field == "hvm_info.pci_emulations")
        #expect(failure(DomainSpec(vm: hvm { $0.bootOrder = "cx" }))?.kind == .invalid)
        #expect(failure(DomainSpec(vm: hvm { $0.timeoffset = "soon" }))?.field == "hvm_info.timeoffset")
        #expect(failure(DomainSpec(vm: hvm { $0.videoMib = 0 }))?.field == "hvm_info.video_mib")
    }

    @Test func vmFieldsWithoutLibxlEquivalents() throws {
        var vm = pv()
        vm.suppressSpuriousPageFaults = true
        #expect(failure(DomainSpec(vm: vm))?.field == "suppress_spurious_page_faults")
        vm = pv()
        vm.machineAddressSize = 32
        #expect(failure(DomainSpec(vm: vm))?.field == "machine_address_size")
        vm = pv()
        vm.id = "not-a-uuid"
        #expect(failure(DomainSpec(vm: vm))?.field == "id")
    }

    @Test func vcpuCountsAreXenopsErrors() throws {
        let e = try #require(failure(DomainSpec(vm: Fixtures.vm(.pv(Fixtures.pvDirect()), vcpuMax: 2, vcpus: 3))))
        #expect(e.kind == .xenops(.invalidVcpus(3)))
        #expect(e.backendError(operation: "VM.start") == .xenops(.invalidVcpus(3)))
    }

    @Test func floppyAndQoSAreRefused() throws {
        let floppy = VBD(id: DeviceID(vm: Fixtures.uuid, name: "fda"), position: DevicePosition(bus: .floppy, disk: 0), backend: .local("/srv/f.img"), ty: .floppy)
        #expect(failure(DomainSpec(vm: hvm(), vbds: [floppy]))?.kind == .unsupported)
        var qos = Fixtures.disk("xvda", "/dev/sda", index: 0)
        qos.qos = .idle
        #expect(failure(DomainSpec(vm: hvm(), vbds: [qos]))?.field == "VBD xvda: qos")
    }

    @Test func emptyCDNeedsHVM() throws {
        let cd = Fixtures.disk("xvdd", nil, index: 3, ty: .cdrom)
        let e = try #require(failure(DomainSpec(vm: pv(), vbds: [cd])))
        #expect(e.kind == .unsupported && e.reason.contains("HVM"))
        #expect(failure(DomainSpec(vm: pv(), vbds: [Fixtures.disk("xvda", nil, index: 0)]))?.kind == .invalid)
    }

    @Test func duplicateDevicesAreRefused() throws {
        let a = Fixtures.disk("a", "/dev/sda", index: 0)
        let b = Fixtures.disk("b", "/dev/sdb", index: 0)
        #expect(failure(DomainSpec(vm: pv(), vbds: [a, b]))?.reason.contains("also used by VBD a") == true)
        #expect(failure(DomainSpec(vm: pv(), vifs: [Fixtures.nic(0, mac: "00:16:3e:00:00:01"), Fixtures.nic(0, mac: "00:16:3e:00:00:02")])) != nil)
    }

    @Test func nicFieldsLibxlCannotHonour() throws {
        #expect(failure(DomainSpec(vm: pv(), vifs: [Fixtures.nic(0, mac: "00:16:3e:zz:00:01")]))?.field == "VIF 0: mac")
        var remote = Fixtures.nic(0, mac: "00:16:3e:00:00:01")
        remote.backend = .remote(vm: "driver-vm", bridge: "br0")
        #expect(failure(DomainSpec(vm: pv(), vifs: [remote]))?.kind == .unsupported)
        var sriov = Fixtures.nic(0, mac: "00:16:3e:00:00:01")
        sriov.backend = .sriov(PCIAddress(bus: 4))
        #expect(failure(DomainSpec(vm: pv(), vifs: [sriov]))?.kind == .unsupported)
        var locked = Fixtures.nic(0, mac: "00:16:3e:00:00:01")
        locked.lockingMode = .locked(ipv4: ["10.0.0.2"], ipv6: [])
        #expect(failure(DomainSpec(vm: pv(), vifs: [locked]))?.field == "VIF 0: locking_mode")
        var mtu = Fixtures.nic(0, mac: "00:16:3e:00:00:01")
        mtu.mtu = 20
        #expect(failure(DomainSpec(vm: pv(), vifs: [mtu]))?.field == "VIF 0: mtu")
        var vlan = Fixtures.nic(0, mac: "00:16:3e:00:00:01")
        vlan.vlan = 10
        #expect(failure(DomainSpec(vm: pv(), vifs: [vlan]))?.kind == .unsupported)
    }

    @Test func platformValuesAreChecked() throws {
        var vm = hvm()
        vm.platformdata = ["acpi": "maybe"]
        let e = try #require(failure(DomainSpec(vm: vm)))
        #expect(e.field == "platformdata.acpi" && e.kind == .invalid)
        vm.platformdata = ["secureboot": "true"]
        #expect(failure(DomainSpec(vm: vm))?.kind == .unsupported)
        vm.platformdata = ["secureboot": "auto", "device-model": "qemu-trad"]
        #expect(failure(DomainSpec(vm: vm))?.field == "platformdata.device-model")
        vm.platformdata = ["videoram": "4096"]
        #expect(failure(DomainSpec(vm: vm))?.field == "platformdata.videoram")
    }

    @Test func unknownAndInapplicablePlatformKeysAreIgnoredWithADebugLog() throws {
        let capture = LogCapture()
        var vm = pv()
        vm.platformdata = ["acpi": "1", "xapi-private": "x", "cores-per-socket": "4"]
        _ = try DomainConfigBuilder(logger: capture.logger).build(DomainSpec(vm: vm))
        let messages = capture.messages
        #expect(messages.contains { $0.contains("platformdata.xapi-private ignored") })
        #expect(messages.contains { $0.contains("platformdata.acpi ignored: it does not apply to pv") })
        #expect(messages.contains { $0.contains("platformdata.cores-per-socket ignored: libxl 4.17 has no CPU topology option") })
        #expect(capture.entries.withLock { $0.allSatisfy { $0.level == .debug } })
    }

    @Test func bootProblems() throws {
        #expect(failure(DomainSpec(vm: Fixtures.vm(.pv(PVInfo(boot: .direct(DirectBoot(kernel: "")))))))?.field == "pv_info.boot.kernel")
        #expect(failure(DomainSpec(vm: Fixtures.vm(.pv(PVInfo(boot: .indirect(IndirectBoot(bootloader: "eliloader")))))))?.kind == .unsupported)
        let missingBootDisk = PVInfo(boot: .indirect(IndirectBoot(bootloader: "pygrub", devices: [.local("/srv/none.img")])))
        #expect(failure(DomainSpec(vm: Fixtures.vm(.pv(missingBootDisk))))?.field == "pv_info.boot.devices")
    }

    @Test func emptyAffinityListMeansAnyCPU() throws {
        var vm = pv()
        vm.schedulerParams.affinity = [[], [3]]
        let box = try builder.build(DomainSpec(vm: vm))
        let b = box.pointer.pointee.b_info
        #expect(b.num_vcpu_hard_affinity == 2)
        let any = b.vcpu_hard_affinity[0]
        #expect(Int(any.size) * 8 == DomainConfigBuilder.affinityBits)
        #expect((0..<Int(any.size)).allSatisfy { any.map[$0] == 0xff })
        #expect(b.vcpu_hard_affinity[1].map[0] == 0b1000)
        vm.schedulerParams.affinity = [[5000]]
        #expect(failure(DomainSpec(vm: vm))?.field == "scheduler_params.affinity")
    }

    @Test func rateConversionFollowsXenopsd() throws {
        let (bytes, interval) = try DomainConfigBuilder.rate(VIF.Rate(kbps: 1000, timeslice: 0), field: "rate")
        #expect(interval == 50_000)
        #expect(bytes == 1000 * 1024 * 50_000 / 1_000_000)
        #expect(throws: TranslationError.self) { try DomainConfigBuilder.rate(VIF.Rate(kbps: 0, timeslice: 0), field: "rate") }
    }

    @Test func generationIDLayout() throws {
        let id = try DomainConfigBuilder.generationID("1:258")
        let bytes = withUnsafeBytes(of: id.bytes) { Array($0) }
        #expect(bytes == [1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0, 0, 0])
        #expect(throws: TranslationError.self) { try DomainConfigBuilder.generationID("12") }
    }
}

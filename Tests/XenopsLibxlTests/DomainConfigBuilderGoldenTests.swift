import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

/// Each guest type and device kind, rendered with libxl's own `libxl_domain_config_to_json`
/// and compared with a golden file.
@Suite struct DomainConfigBuilderGoldenTests {
    let builder = DomainConfigBuilder()

    func json(_ spec: DomainSpec) throws -> String {
        try builder.build(spec).json()
    }

    @Test func pvDirectBoot() throws {
        let vm = Fixtures.vm(.pv(Fixtures.pvDirect()), memoryMiB: 512, targetMiB: 384, vcpuMax: 4, vcpus: 2)
        let spec = DomainSpec(vm: vm, vbds: [Fixtures.disk("xvda", "/dev/vg0/guest", index: 0)], vifs: [Fixtures.nic(0, mac: "00:16:3e:12:34:56")])
        try Golden.expect(json(spec), matches: "pv-direct")
    }

    @Test func pvBootloaderPutsTheBootDiskFirst() throws {
        var info = PVInfo(boot: .indirect(IndirectBoot(bootloader: "pygrub", extraArgs: "console=hvc0", bootloaderArgs: "--entry=1", devices: [.local("/srv/images/guest.img")])))
        info.framebuffer = true
        let vm = Fixtures.vm(.pv(info))
        let spec = DomainSpec(vm: vm, vbds: [
            Fixtures.disk("xvdb", "/srv/images/data.qcow2", index: 1),
            Fixtures.disk("xvda", "/srv/images/guest.img", index: 0),
        ])
        let text = try json(spec)
        try Golden.expect(text, matches: "pv-pygrub")
        let first = try #require(text.range(of: "guest.img"))
        let second = try #require(text.range(of: "data.qcow2"))
        #expect(first.lowerBound < second.lowerBound)
    }

    @Test func pvh() throws {
        let vm = Fixtures.vm(.pvh(Fixtures.pvDirect(framebuffer: true)), memoryMiB: 1024)
        try Golden.expect(json(DomainSpec(vm: vm, vbds: [Fixtures.disk("xvda", "/dev/vg0/pvh", index: 0)])), matches: "pvh")
    }

    @Test func pvInPVHUsesTheShim() throws {
        let vm = Fixtures.vm(.pvInPVH(Fixtures.pvDirect()))
        let text = try json(DomainSpec(vm: vm))
        try Golden.expect(text, matches: "pvinpvh")
        #expect(text.contains("\"pvshim\": \"True\""))
    }

    @Test func hvmBIOS() throws {
        var vm = Fixtures.vm(.hvm(HVMInfo()), memoryMiB: 2048, vcpuMax: 2)
        vm.platformdata = [
            "acpi": "1", "apic": "true", "pae": "true", "nx": "true", "hpet": "false", "viridian": "true",
            "viridian_time_ref_count": "true", "videoram": "8", "timeoffset": "-3600", "nested-virt": "false",
            "vpmu": "false", "usb": "true", "usb_tablet": "true", "device-model": "qemu-upstream-compat",
            "cores-per-socket": "2", "some-xapi-private-key": "x", "tsc_mode": "native", "max_grant_frames": "64",
        ]
        vm.hasVendorDevice = true
        let spec = DomainSpec(
            vm: vm,
            vbds: [
                Fixtures.disk("xvda", "/dev/vg0/win", bus: .ide, index: 0),
                Fixtures.disk("xvdd", nil, bus: .ide, index: 3, mode: .readOnly, ty: .cdrom),
            ],
            vifs: [Fixtures.nic(0, mac: "00:16:3e:aa:bb:cc")],
            pcis: [PCI(id: DeviceID(vm: Fixtures.uuid, name: "0"), position: 0, address: PCIAddress(domain: 0, bus: 3, dev: 0, fn: 1))])
        try Golden.expect(json(spec), matches: "hvm-bios")
    }

    @Test func hvmUEFIWithVNCSerialAndBootOrder() throws {
        var h = HVMInfo()
        h.firmware = .uefi(NVRAMVariables())
        h.video = .standardVGA
        h.videoMib = 16
        h.vncIP = "0.0.0.0"
        h.serial = "pty"
        h.bootOrder = "DC"
        h.keymap = "en-us"
        h.timeoffset = "0"
        var vm = Fixtures.vm(.hvm(h), memoryMiB: 4096, targetMiB: 2048, vcpuMax: 4, vcpus: 4)
        vm.generationID = "1234:5678"
        let spec = DomainSpec(vm: vm, vbds: [
            Fixtures.disk("xvda", "/srv/images/uefi.qcow2", index: 0),
            Fixtures.disk("xvdd", "/srv/iso/install.iso", bus: .ide, index: 3, mode: .readOnly, ty: .cdrom),
        ])
        try Golden.expect(json(spec), matches: "hvm-uefi")
    }

    @Test func diskKinds() throws {
        let vm = Fixtures.vm(.hvm(HVMInfo()))
        let spec = DomainSpec(vm: vm, vbds: [
            Fixtures.disk("xvda", "/dev/mapper/vg-root", index: 0),
            Fixtures.disk("xvdb", "/srv/images/raw.img", index: 1),
            Fixtures.disk("xvdc", "/srv/images/disk.qcow2", index: 2),
            Fixtures.disk("xvde", "/srv/images/disk.vhd", index: 4, mode: .readOnly),
            Fixtures.disk("xvdf", "/dev/sdb", index: 5, mode: .readOnly),
            Fixtures.disk("hdd", nil, bus: .ide, index: 3, ty: .cdrom),
            Fixtures.disk("xvdg", "/srv/iso/tools.iso", index: 6, ty: .cdrom),
        ])
        try Golden.expect(json(spec), matches: "disks")
    }

    @Test func nicsWithMACBridgeMTUAndRate() throws {
        let vm = Fixtures.vm(.pv(Fixtures.pvDirect()))
        var a = Fixtures.nic(0, mac: "00:16:3e:00:00:01", bridge: "xenbr0")
        a.mtu = 9000
        a.rate = VIF.Rate(kbps: 1024, timeslice: 0)
        var b = Fixtures.nic(3, mac: "AA-BB-CC-DD-EE-FF", bridge: "xenbr1")
        b.rate = VIF.Rate(kbps: 100_000, timeslice: 20_000)
        try Golden.expect(json(DomainSpec(vm: vm, vifs: [a, b])), matches: "nics")
    }

    @Test func schedulerMemoryAndVcpus() throws {
        var vm = Fixtures.vm(.pvh(Fixtures.pvDirect()), memoryMiB: 3000, targetMiB: 1000, vcpuMax: 8, vcpus: 3)
        vm.memoryStaticMax += 100  // not a whole KiB: rounded up
        vm.schedulerParams = SchedulerParams(priority: .init(weight: 512, cap: 150), affinity: [[0, 1], [2]])
        try Golden.expect(json(DomainSpec(vm: vm)), matches: "sched-memory-vcpus")
    }
}

import XenopsBackend
import XenopsCore

/// VMs and devices for the translation tests.
enum Fixtures {
    static let uuid = "6f0a1c52-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    static let mib: Int64 = 1 << 20

    static func vm(_ ty: BuilderInfo, name: String = "guest", memoryMiB: Int64 = 512, targetMiB: Int64? = nil, vcpuMax: Int = 2, vcpus: Int? = nil) -> VM {
        var vm = VM(id: uuid, name: name, ty: ty, memoryStaticMax: memoryMiB * mib, memoryDynamicMax: (targetMiB ?? memoryMiB) * mib, vcpuMax: vcpuMax, vcpus: vcpus)
        vm.memoryDynamicMin = vm.memoryDynamicMax
        return vm
    }

    static func pvDirect(framebuffer: Bool = false) -> PVInfo {
        var info = PVInfo(boot: .direct(DirectBoot(kernel: "/var/lib/xen/boot/vmlinuz", cmdline: "root=/dev/xvda1 console=hvc0", ramdisk: "/var/lib/xen/boot/initrd.img")))
        info.framebuffer = framebuffer
        return info
    }

    static func disk(_ name: String, _ path: String?, bus: DevicePosition.Bus = .xen, index: Int, mode: VBD.Mode = .readWrite, ty: VBD.Kind = .disk) -> VBD {
        VBD(id: DeviceID(vm: uuid, name: name), position: DevicePosition(bus: bus, disk: index), mode: mode, backend: path.map(Disk.local), ty: ty)
    }

    static func nic(_ position: Int, mac: String, bridge: String = "xenbr0") -> VIF {
        VIF(id: DeviceID(vm: uuid, name: String(position)), position: position, mac: mac, backend: .local(bridge))
    }
}

import Foundation
import XenopsBackend
import XenopsCore

extension ConformanceCase {
    /// Device hot-plug on a paused test guest.
    static let devices: [ConformanceCase] = [
        ConformanceCase(name: "devices.disk-plug-unplug", requires: [.bootableGuest]) { c in
            let spec = c.spec(name: "disk")
            let vm = spec.vm.id
            let image = try c.guest.scratchDisk()
            defer { try? FileManager.default.removeItem(atPath: image) }
            try await c.withDomain(spec) { _ in
                let vbd = VBD(id: DeviceID(vm: vm, name: "xvdb"), position: DevicePosition(bus: .xen, disk: 1), mode: .readWrite, backend: .local(image))
                try await c.hypervisor.plugVBD(vm: vm, vbd)
                try check(try await c.info(vm).devices.vbds["xvdb"] == .some(.local(image)), "xvdb is not listed after plug")
                try await expectFailure("plugging xvdb twice", { try await c.hypervisor.plugVBD(vm: vm, vbd) }) {
                    if case .xenops(.alreadyExists) = $0 { return true }
                    return false
                }
                try await c.hypervisor.unplugVBD(vm: vm, name: "xvdb", force: true)
                try check(try await c.info(vm).devices.vbds["xvdb"] == nil, "xvdb is still listed after unplug")
                try await expectFailure("unplugging a missing VBD", { try await c.hypervisor.unplugVBD(vm: vm, name: "xvdb", force: true) }) {
                    $0 == .noDevice(vm: vm, device: "xvdb")
                }
            }
        },
        ConformanceCase(name: "devices.nic-plug-unplug", requires: [.bootableGuest, .bridge]) { c in
            let spec = c.spec(name: "nic")
            let vm = spec.vm.id
            try await c.withDomain(spec) { _ in
                let vif = VIF(id: DeviceID(vm: vm, name: "0"), position: 0, mac: "00:16:3e:5a:00:01", backend: .local(c.guest.bridge))
                try await c.hypervisor.plugVIF(vm: vm, vif)
                try check(try await c.info(vm).devices.vifs["0"] != nil, "VIF 0 is not listed after plug")
                try await c.hypervisor.unplugVIF(vm: vm, name: "0", force: true)
                try check(try await c.info(vm).devices.vifs["0"] == nil, "VIF 0 is still listed after unplug")
            }
        },
    ]

    /// Every case, in the order they run.
    static let all: [ConformanceCase] = host + lifecycle + devices
}

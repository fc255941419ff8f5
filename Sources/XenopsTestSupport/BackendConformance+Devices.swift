import XenopsBackend
import XenopsCore

extension BackendConformance {
    static let deviceCases: [Case] = [
        Case("vbd-plug-unplug", "a VBD plugged into a live domain appears in its devices and disappears when unplugged") { c in
            let h = c.hypervisor
            let spec = c.makeSpec()
            let vm = spec.vm.id
            _ = try await h.createDomain(spec)
            try await h.unpause(vm: vm)
            let disk = try c.makeDiskImage(name: "xvdb.img")
            try await h.plugVBD(vm: vm, c.vbd(for: spec, name: "xvdb", disk: 1, backend: .local(disk)))
            var devices = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after plugVBD").devices
            try Verify.equal(devices.vbds["xvdb"], .some(.local(disk)), "xvdb after plugVBD")
            try await h.unplugVBD(vm: vm, name: "xvdb", force: false)
            devices = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after unplugVBD").devices
            try Verify.that(devices.vbds["xvdb"] == nil, "xvdb is still attached after unplugVBD")
            try await Verify.throwsError("unplugVBD of a VBD that is not attached", accept: ExpectedError.isNoDevice) {
                try await h.unplugVBD(vm: vm, name: "xvdb", force: false)
            }
        },
        Case("cd-insert-eject", "media can be inserted in an empty CD drive and ejected; inserting twice or ejecting an empty drive fails") { c in
            guard c.settings.supportsHVM else { throw ConformanceSkip("CD drives need an HVM guest and this host cannot build one") }
            let h = c.hypervisor
            var spec = c.makeSpec(hvm: true)
            let vm = spec.vm.id
            spec.vbds = [c.vbd(for: spec, name: "xvdd", disk: 3, backend: nil, kind: .cdrom, mode: .readOnly)]
            let info = try await h.createDomain(spec)
            try Verify.equal(info.devices.vbds["xvdd"], .some(nil), "the empty CD drive after createDomain")
            let iso = try c.makeDiskImage(name: "cd.iso", bytes: 1 << 20)
            try await h.insertMedia(vm: vm, vbd: "xvdd", disk: .local(iso))
            var devices = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after insertMedia").devices
            try Verify.equal(devices.vbds["xvdd"], .some(.local(iso)), "the CD drive after insertMedia")
            try await Verify.throwsError("insertMedia into a full drive", accept: ExpectedError.isBackendError) {
                try await h.insertMedia(vm: vm, vbd: "xvdd", disk: .local(iso))
            }
            try await h.ejectMedia(vm: vm, vbd: "xvdd")
            devices = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after ejectMedia").devices
            try Verify.equal(devices.vbds["xvdd"], .some(nil), "the CD drive after ejectMedia")
            try await Verify.throwsError("ejectMedia of an empty drive", accept: ExpectedError.isBackendError) {
                try await h.ejectMedia(vm: vm, vbd: "xvdd")
            }
        },
        Case("vif-plug-unplug", "a VIF plugged into a live domain appears with its carrier, follows setCarrier, and disappears when unplugged") { c in
            let h = c.hypervisor
            let spec = c.makeSpec()
            let vm = spec.vm.id
            _ = try await h.createDomain(spec)
            try await h.unpause(vm: vm)
            try await h.plugVIF(vm: vm, c.vif(for: spec, name: "1", position: 1))
            var devices = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after plugVIF").devices
            try Verify.equal(devices.vifs["1"], true, "VIF 1 (and its carrier) after plugVIF")
            try await h.setCarrier(vm: vm, vif: "1", carrier: false)
            devices = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after setCarrier").devices
            try Verify.equal(devices.vifs["1"], false, "the carrier of VIF 1 after setCarrier(false)")
            try await h.unplugVIF(vm: vm, name: "1", force: false)
            devices = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after unplugVIF").devices
            try Verify.that(devices.vifs["1"] == nil, "VIF 1 is still attached after unplugVIF")
        },
        Case("set-vcpus", "setVcpus accepts 1…vcpu_max and rejects 0 and vcpu_max+1 with invalidVcpus") { c in
            let h = c.hypervisor
            let spec = c.makeSpec(vcpus: 1, vcpuMax: 2)
            let vm = spec.vm.id
            _ = try await h.createDomain(spec)
            try await h.unpause(vm: vm)
            // The guest brings vCPUs on and offline itself: a guest still booting (slow under
            // emulation) does it once its hotplug driver starts, so wait for it, bounded.
            try await h.setVcpus(vm: vm, count: 2)
            try await c.eventually(vm, "vcpusOnline 2 after setVcpus(2)") { $0.vcpusOnline == 2 }
            try await h.setVcpus(vm: vm, count: 1)
            try await c.eventually(vm, "vcpusOnline 1 after setVcpus(1)") { $0.vcpusOnline == 1 }
            for bad in [0, 3] {
                try await Verify.throwsError("setVcpus(\(bad))", accept: { ExpectedError.isInvalidVcpus($0, bad) }) {
                    try await h.setVcpus(vm: vm, count: bad)
                }
            }
            try Verify.equal(try await h.domainInfo(vm: vm)?.vcpusOnline, 1, "vcpusOnline after the rejected calls")
        },
        Case("set-memory-target", "setMemoryTarget changes the domain's balloon target") { c in
            let h = c.hypervisor
            let spec = c.makeSpec()
            let vm = spec.vm.id
            _ = try await h.createDomain(spec)
            try await h.unpause(vm: vm)
            let target = (spec.vm.memoryStaticMax / 2) & ~0xFFF
            try await h.setMemoryTarget(vm: vm, bytes: target)
            let info = try Verify.unwrap(try await h.domainInfo(vm: vm), "domainInfo after setMemoryTarget")
            try Verify.that(abs(info.memoryTarget - target) <= 4096, "memoryTarget is \(info.memoryTarget), expected \(target)")
        },
    ]

    static let errorCases: [Case] = [
        Case("unknown-vm", "operations on a VM without a domain throw noDomain (or the xenops equivalent); destroy succeeds") { c in
            let h = c.hypervisor
            let spec = c.makeSpec()
            let vm = spec.vm.id
            let calls: [(String, @Sendable () async throws -> Void)] = [
                ("pause", { try await h.pause(vm: vm) }),
                ("unpause", { try await h.unpause(vm: vm) }),
                ("requestShutdown", { try await h.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 1) }),
                ("waitForShutdown", { _ = try await h.waitForShutdown(vm: vm, timeout: 1) }),
                ("setVcpus", { try await h.setVcpus(vm: vm, count: 1) }),
                ("setMemoryTarget", { try await h.setMemoryTarget(vm: vm, bytes: 64 << 20) }),
                ("plugVBD", { try await h.plugVBD(vm: vm, VBD(id: DeviceID(vm: vm, name: "xvdb"), backend: nil, ty: .cdrom)) }),
                ("unplugVIF", { try await h.unplugVIF(vm: vm, name: "0", force: true) }),
            ]
            for (name, call) in calls {
                try await Verify.throwsError("\(name) on a VM without a domain", accept: ExpectedError.isNoDomain, call)
            }
            try await h.destroy(vm: vm)
        },
        Case("debug-trigger-unknown", "debugTrigger with an unknown command throws unimplemented") { c in
            try await Verify.throwsError("debugTrigger(\"no-such-command\")", accept: ExpectedError.isUnimplemented) {
                try await c.hypervisor.debugTrigger("no-such-command", args: [])
            }
        },
    ]
}

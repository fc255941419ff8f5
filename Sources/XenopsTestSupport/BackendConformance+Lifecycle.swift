import XenopsBackend
import XenopsCore

extension BackendConformance {
    static let hostCases: [Case] = [
        Case("host-info", "hostInfo, memory figures and the console describe a plausible host") { c in
            let h = c.hypervisor
            try Verify.that(!h.kind.isEmpty, "kind is empty")
            let info = try await h.hostInfo()
            try Verify.that(info.cpuInfo.cpuCount > 0, "cpu_count is \(info.cpuInfo.cpuCount)")
            try Verify.that(!info.hypervisor.version.isEmpty, "the hypervisor version is empty")
            try Verify.that(!info.hypervisor.capabilities.isEmpty, "the hypervisor capabilities are empty")
            let total = try await h.totalMemoryMiB()
            try Verify.that(total > 0, "total memory is \(total) MiB")
            let free = try await h.freeMemoryBytes()
            try Verify.that(free >= 0 && free <= total << 20, "free memory \(free) bytes is outside 0…\(total) MiB")
            _ = try await h.consoleData()
        },
        Case("list-domains", "listDomains includes dom0 and a created domain, with its uuid and domid") { c in
            let spec = c.makeSpec()
            let created = try await c.hypervisor.createDomain(spec)
            let all = try await c.hypervisor.listDomains()
            try Verify.that(all.contains { $0.domid == 0 }, "dom0 (domid 0) is not listed")
            let mine = try Verify.unwrap(all.first { $0.uuid == spec.vm.id }, "the created domain in listDomains")
            try Verify.equal(mine.domid, created.domid, "domid in listDomains")
            try Verify.equal(Set(all.map(\.domid)).count, all.count, "distinct domids in listDomains")
        },
        Case("domain-info-unknown", "domainInfo is nil for a VM without a domain") { c in
            let spec = c.makeSpec()
            let info = try await c.hypervisor.domainInfo(vm: spec.vm.id)
            try Verify.that(info == nil, "domainInfo of a VM never created is \(String(describing: info))")
        },
    ]

    static let lifecycleCases: [Case] = [
        Case("create-paused", "createDomain builds the domain and leaves it paused, as described by the spec") { c in
            let spec = c.makeSpec(vcpus: 1, vcpuMax: 2)
            let info = try await c.hypervisor.createDomain(spec)
            try Verify.that(info.domid > 0, "domid \(info.domid) is not a guest domid")
            try Verify.equal(info.uuid, spec.vm.id, "uuid of the created domain")
            try Verify.equal(info.state, .paused, "state after createDomain")
            try Verify.equal(info.vcpusMax, 2, "vcpusMax")
            try Verify.equal(info.vcpusOnline, 1, "vcpusOnline")
            try Verify.that(info.memoryMax >= spec.vm.memoryStaticMax - (1 << 20), "memoryMax \(info.memoryMax) is below memory_static_max \(spec.vm.memoryStaticMax)")
            try Verify.equal(info.domainType, .pv, "domainType")
            try Verify.equal(info.creator, "xenopsd-ng", "creator (the daemon must be able to tell its domains from unmanaged ones)")
            let again = try Verify.unwrap(try await c.hypervisor.domainInfo(vm: spec.vm.id), "domainInfo after createDomain")
            try Verify.equal(again.domid, info.domid, "domid reported by domainInfo")
            try Verify.equal(again.state, .paused, "state reported by domainInfo")
        },
        Case("create-with-devices", "createDomain attaches the VBDs and VIFs of the spec") { c in
            var spec = c.makeSpec()
            let disk = try c.makeDiskImage(name: "xvda.img")
            spec.vbds = [c.vbd(for: spec, name: "xvda", disk: 0, backend: .local(disk))]
            spec.vifs = [c.vif(for: spec, name: "0", position: 0)]
            let info = try await c.hypervisor.createDomain(spec)
            try Verify.equal(Set(info.devices.vbds.keys), ["xvda"], "VBDs after createDomain")
            try Verify.equal(info.devices.vbds["xvda"], .some(.local(disk)), "media of xvda")
            try Verify.equal(Set(info.devices.vifs.keys), ["0"], "VIFs after createDomain")
        },
        Case("unpause-runs", "unpause makes a paused domain run") { c in
            let spec = c.makeSpec()
            _ = try await c.hypervisor.createDomain(spec)
            try await c.hypervisor.unpause(vm: spec.vm.id)
            try await expectState(c, spec.vm.id, .running, "after unpause")
        },
        Case("pause-pauses", "pause stops a running domain and unpause resumes it") { c in
            let spec = c.makeSpec()
            _ = try await c.hypervisor.createDomain(spec)
            try await c.hypervisor.unpause(vm: spec.vm.id)
            try await c.hypervisor.pause(vm: spec.vm.id)
            try await expectState(c, spec.vm.id, .paused, "after pause")
            try await c.hypervisor.unpause(vm: spec.vm.id)
            try await expectState(c, spec.vm.id, .running, "after the second unpause")
        },
        Case("destroy", "destroy removes the domain, emits domainDied, and succeeds again when it is gone") { c in
            let spec = c.makeSpec()
            let vm = spec.vm.id
            let info = try await c.hypervisor.createDomain(spec)
            try await c.hypervisor.unpause(vm: vm)
            try await c.hypervisor.destroy(vm: vm)
            let after = try await c.hypervisor.domainInfo(vm: vm)
            try Verify.that(after == nil, "domainInfo after destroy is \(String(describing: after))")
            let listed = try await c.hypervisor.listDomains()
            try Verify.that(!listed.contains { $0.uuid == vm }, "the destroyed domain is still listed")
            let died = try await c.waitForEvent(about: vm, "domainDied") { if case .domainDied = $0 { return true } else { return false } }
            try Verify.equal(died, .domainDied(vm: vm, domid: info.domid), "the death event")
            try await c.hypervisor.destroy(vm: vm)
        },
    ]

    /// Checks the run state the backend reports for `vm`.
    static func expectState(_ c: ConformanceContext, _ vm: String, _ state: DomainRunState, _ when: String, fileID: String = #fileID, line: Int = #line) async throws {
        let info = try Verify.unwrap(try await c.hypervisor.domainInfo(vm: vm), "domainInfo \(when)", fileID: fileID, line: line)
        try Verify.equal(info.state, state, "state \(when)", fileID: fileID, line: line)
    }
}

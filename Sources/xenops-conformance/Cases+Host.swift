import XenopsBackend
import XenopsCore

extension ConformanceCase {
    /// Host-level reads: meaningful on any backend.
    static let host: [ConformanceCase] = [
        ConformanceCase(name: "host.info") { c in
            let h = try await c.hypervisor.hostInfo()
            try check(!h.hypervisor.version.isEmpty, "the hypervisor version is empty")
            try check(h.cpuInfo.cpuCount > 0, "cpu_count is \(h.cpuInfo.cpuCount)")
            try check(h.cpuInfo.socketCount > 0, "socket_count is \(h.cpuInfo.socketCount)")
        },
        ConformanceCase(name: "host.memory") { c in
            let total = try await c.hypervisor.totalMemoryMiB()
            let free = try await c.hypervisor.freeMemoryBytes()
            try check(total > 0, "total memory is \(total) MiB")
            try check(free >= 0 && free <= total << 20, "free memory \(free) bytes is not within 0…\(total) MiB")
        },
        ConformanceCase(name: "host.console") { c in
            let text = try await c.hypervisor.consoleData()
            try check(!text.isEmpty, "the hypervisor console is empty")
        },
        ConformanceCase(name: "domains.dom0-listed") { c in
            let all = try await c.hypervisor.listDomains()
            guard let dom0 = all.first(where: { $0.domid == 0 }) else { throw CaseFailure(description: "dom0 is not listed") }
            try check(dom0.creator != "xenopsd-ng", "dom0 is reported as created by this daemon")
            try check(dom0.vcpusOnline > 0 && dom0.memoryActual > 0, "dom0 reports \(dom0.vcpusOnline) vCPUs and \(dom0.memoryActual) bytes")
        },
        ConformanceCase(name: "domains.unknown-vm") { c in
            let vm = "00000000-dead-beef-0000-000000000001"
            try check(try await c.hypervisor.domainInfo(vm: vm) == nil, "an unknown VM has a domain")
            try await expectFailure("pause of an unknown VM", { try await c.hypervisor.pause(vm: vm) }) { $0 == .noDomain(vm: vm) }
            try await expectFailure("requestShutdown of an unknown VM", { try await c.hypervisor.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 1) }) { $0 == .noDomain(vm: vm) }
            try await c.hypervisor.destroy(vm: vm)  // no domain: succeeds
        },
    ]
}

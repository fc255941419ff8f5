import XenopsBackend
import XenopsCore

extension BackendConformance {
    static let guestCases: [Case] = [
        Case("clean-shutdown", "a poweroff request is acknowledged, the domain shuts down with reason poweroff, stays listed until destroyed, and domainShutdown is emitted") { c in
            try await requestAndWait(c, .poweroff, expecting: .poweroff)
        },
        Case("clean-reboot", "a reboot request makes the domain shut down with reason reboot") { c in
            try await requestAndWait(c, .reboot, expecting: .reboot)
        },
    ]

    /// Starts a guest, asks it to `request`, and checks it shuts down with `reason`.
    static func requestAndWait(_ c: ConformanceContext, _ request: ShutdownRequest, expecting reason: ShutdownReason) async throws {
        let h = c.hypervisor
        let spec = c.makeSpec()
        let vm = spec.vm.id
        let info = try await h.createDomain(spec)
        try await h.unpause(vm: vm)
        try await h.requestShutdown(vm: vm, reason: request, ackTimeout: c.settings.ackTimeout)
        let got = try await h.waitForShutdown(vm: vm, timeout: c.settings.shutdownTimeout)
        try Verify.equal(got, reason, "waitForShutdown after a \(request.rawValue) request")
        try await expectState(c, vm, .shutdown(reason), "after the guest shut down (it stays until destroyed)")
        let event = try await c.waitForEvent(about: vm, "domainShutdown") { if case .domainShutdown = $0 { return true } else { return false } }
        try Verify.equal(event, .domainShutdown(vm: vm, domid: info.domid, reason: reason), "the shutdown event")
        try await h.destroy(vm: vm)
        _ = try await c.waitForEvent(about: vm, "domainDied") { if case .domainDied = $0 { return true } else { return false } }
    }
}

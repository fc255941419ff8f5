import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator
import XenopsTestSupport

@Suite("Simulated guests")
struct GuestTests {
    /// Creates and unpauses a domain.
    private func running(_ sim: SimulatedHypervisor) async throws -> (vm: String, domid: Int) {
        let spec = makeSpec()
        let info = try await sim.createDomain(spec)
        try await sim.unpause(vm: spec.vm.id)
        return (spec.vm.id, info.domid)
    }

    @Test("each request shuts the guest down with the matching reason", arguments: [
        (ShutdownRequest.poweroff, ShutdownReason.poweroff), (.halt, .poweroff), (.reboot, .reboot), (.suspend, .suspend),
    ])
    func reasons(_ request: ShutdownRequest, _ reason: ShutdownReason) async throws {
        try await withSimulator { sim in
            let log = ConformanceEventLog(hypervisor: sim)
            let (vm, domid) = try await running(sim)
            try await sim.requestShutdown(vm: vm, reason: request, ackTimeout: 5)
            #expect(try await sim.waitForShutdown(vm: vm, timeout: 5) == reason)
            #expect(try await sim.domainInfo(vm: vm)?.state == .shutdown(reason))
            let event = try await waitForEvent(log, about: vm) { $0.isShutdown }
            #expect(event == .domainShutdown(vm: vm, domid: domid, reason: reason))
        }
    }

    @Test("refuseAck: the request times out with failedToAcknowledge…, and the domain keeps running")
    func refuseAck() async throws {
        try await withSimulator { sim in
            let (vm, _) = try await running(sim)
            sim.setGuestBehaviour(.refuseAck, for: vm)
            #expect(sim.guestBehaviour(for: vm) == .refuseAck)
            await #expect(throws: BackendError.xenops(.failedToAcknowledgeShutdownRequest)) {
                try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 0.1)
            }
            await #expect(throws: BackendError.xenops(.failedToAcknowledgeSuspendRequest)) {
                try await sim.requestShutdown(vm: vm, reason: .suspend, ackTimeout: 0.1)
            }
            #expect(try await sim.domainInfo(vm: vm)?.state == .running)
            // Back to the default: the guest cooperates again.
            sim.setGuestBehaviour(nil, for: vm)
            try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 5)
            #expect(try await sim.waitForShutdown(vm: vm, timeout: 5) == .poweroff)
        }
    }

    @Test("ackButHang: the request is acknowledged but waitForShutdown throws failedToShutdown")
    func ackButHang() async throws {
        try await withSimulator { sim in
            let (vm, _) = try await running(sim)
            sim.setGuestBehaviour(.ackButHang, for: vm)
            try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 5)
            await #expect(throws: BackendError.xenops(.failedToShutdown(vm: vm, timeout: 0.2))) {
                _ = try await sim.waitForShutdown(vm: vm, timeout: 0.2)
            }
            #expect(try await sim.domainInfo(vm: vm)?.state == .running)
            // A hard shutdown still works.
            try await sim.destroy(vm: vm)
            #expect(try await sim.domainInfo(vm: vm) == nil)
        }
    }

    @Test("the default behaviour applies to guests without their own setting")
    func defaultBehaviour() async throws {
        try await withSimulator(SimulatorConfiguration(defaultGuestBehaviour: .refuseAck)) { sim in
            let (vm, _) = try await running(sim)
            await #expect(throws: BackendError.xenops(.failedToAcknowledgeShutdownRequest)) {
                try await sim.requestShutdown(vm: vm, reason: .reboot, ackTimeout: 0.05)
            }
            sim.setDefaultGuestBehaviour(.cooperative)
            try await sim.requestShutdown(vm: vm, reason: .reboot, ackTimeout: 5)
            #expect(try await sim.waitForShutdown(vm: vm, timeout: 5) == .reboot)
        }
    }

    @Test("a paused guest cannot acknowledge, but does once unpaused within the timeout")
    func pausedGuest() async throws {
        try await withSimulator { sim in
            let spec = makeSpec()
            let vm = spec.vm.id
            _ = try await sim.createDomain(spec)
            await #expect(throws: BackendError.xenops(.failedToAcknowledgeShutdownRequest)) {
                try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 0.1)
            }
            #expect(try await sim.domainInfo(vm: vm)?.state == .paused)
            async let request: Void = sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 10)
            try await Task.sleep(for: .milliseconds(50))
            try await sim.unpause(vm: vm)
            try await request
            #expect(try await sim.waitForShutdown(vm: vm, timeout: 5) == .poweroff)
        }
    }

    @Test("a request to a domain that has already shut down returns at once")
    func alreadyShutDown() async throws {
        try await withSimulator { sim in
            let (vm, _) = try await running(sim)
            try sim.simulateGuestShutdown(vm: vm, reason: .crash)
            sim.setGuestBehaviour(.refuseAck, for: vm)
            try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 60)
            #expect(try await sim.waitForShutdown(vm: vm, timeout: 1) == .crash)
        }
    }

    @Test("destroying a guest on its way down emits only domainDied, never a late shutdown")
    func destroyDuringShutdown() async throws {
        try await withSimulator(SimulatorConfiguration(guestShutdownDelay: .milliseconds(200))) { sim in
            let log = ConformanceEventLog(hypervisor: sim)
            let (vm, domid) = try await running(sim)
            try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 5)
            try await sim.destroy(vm: vm)
            try await Task.sleep(for: .milliseconds(400))
            #expect(events(log, about: vm).filter { $0.isShutdown || $0.isDied } == [.domainDied(vm: vm, domid: domid)])
        }
    }

    @Test("a guest shutdown followed by destroy emits domainShutdown then domainDied")
    func eventOrder() async throws {
        try await withSimulator { sim in
            let log = ConformanceEventLog(hypervisor: sim)
            let (vm, domid) = try await running(sim)
            try await sim.requestShutdown(vm: vm, reason: .poweroff, ackTimeout: 5)
            _ = try await sim.waitForShutdown(vm: vm, timeout: 5)
            try await sim.destroy(vm: vm)
            _ = try await waitForEvent(log, about: vm) { $0.isDied }
            #expect(events(log, about: vm).filter { $0.isShutdown || $0.isDied } == [
                .domainShutdown(vm: vm, domid: domid, reason: .poweroff), .domainDied(vm: vm, domid: domid),
            ])
        }
    }

    @Test("waitForShutdown is cancellable")
    func waitIsCancellable() async throws {
        try await withSimulator { sim in
            let (vm, _) = try await running(sim)
            let clock = ContinuousClock()
            let start = clock.now
            let wait = Task { try await sim.waitForShutdown(vm: vm, timeout: 600) }
            try await Task.sleep(for: .milliseconds(50))
            wait.cancel()
            let result = await wait.result
            #expect(throws: BackendError.cancelled(operation: "waitForShutdown")) { try result.get() }
            #expect(clock.now - start < .seconds(30))
        }
    }

    @Test("debugTrigger reboot, halt, poweroff and crash make the guest shut down with that reason", arguments: [
        ("reboot", ShutdownReason.reboot), ("halt", .poweroff), ("poweroff", .poweroff), ("crash", .crash),
    ])
    func debugTrigger(_ command: String, _ reason: ShutdownReason) async throws {
        try await withSimulator { sim in
            let log = ConformanceEventLog(hypervisor: sim)
            let (vm, domid) = try await running(sim)
            try await sim.debugTrigger(command, args: [vm])
            #expect(try await sim.domainInfo(vm: vm)?.state == .shutdown(reason))
            let event = try await waitForEvent(log, about: vm) { $0.isShutdown }
            #expect(event == .domainShutdown(vm: vm, domid: domid, reason: reason))
            // Once down, a second trigger is refused.
            await #expect(throws: BackendError.self) { try await sim.debugTrigger(command, args: [vm]) }
        }
    }

    @Test("debugTrigger errors: unknown command, missing uuid, unknown uuid")
    func debugTriggerErrors() async throws {
        try await withSimulator { sim in
            await #expect(throws: BackendError.xenops(.unimplemented("DEBUG.trigger frobnicate"))) {
                try await sim.debugTrigger("frobnicate", args: [])
            }
            let missing = await #expect(throws: BackendError.self) { try await sim.debugTrigger("reboot", args: []) }
            #expect(missing?.description.contains("VM uuid") == true, "\(String(describing: missing))")
            await #expect(throws: BackendError.noDomain(vm: "nope")) { try await sim.debugTrigger("halt", args: ["nope"]) }
        }
    }

    @Test("debugTrigger eject empties a CD drive and emits deviceChanged")
    func guestEject() async throws {
        try await withSimulator { sim in
            let log = ConformanceEventLog(hypervisor: sim)
            var spec = makeSpec()
            let vm = spec.vm.id
            spec.vbds = [disk(vm, "xvdd", "/isos/a.iso", kind: .cdrom)]
            _ = try await sim.createDomain(spec)
            try await sim.debugTrigger("eject", args: [vm, "xvdd"])
            #expect(try await sim.domainInfo(vm: vm)?.devices.vbds == ["xvdd": Disk?.none])
            let event = try await waitForEvent(log, about: vm) { if case .deviceChanged = $0 { return true } else { return false } }
            #expect(event == .deviceChanged(vm: vm, device: .vbd(DeviceID(vm: vm, name: "xvdd"))))
        }
    }
}

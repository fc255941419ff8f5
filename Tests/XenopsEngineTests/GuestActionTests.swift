import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine

@Suite("Guest-initiated shutdown applies the VM's actions")
struct GuestActionTests {
    @Test func guestRebootRestartsTheVM() async throws {
        let f = try await EngineFixture.make(minimumUptime: 0)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let before = try await f.engine.statVM(vm).1.domids
        try await f.engine.debugTrigger("reboot", args: [vm])
        let restarted = try await f.eventually {
            let s = try await f.engine.statVM(vm).1
            return s.powerState == .running && !s.domids.isEmpty && s.domids != before
        }
        #expect(restarted)
    }

    @Test func guestHaltWithShutdownActionHaltsTheVM() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onShutdown: [.shutdown])
        try await f.engine.debugTrigger("halt", args: [vm])
        #expect(try await f.eventually { try await f.power(vm) == .halted && f.backend.calls(for: vm).last == "destroy" })
    }

    @Test func guestHaltWithStartActionRestarts() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onShutdown: [.start])
        let before = try await f.engine.statVM(vm).1.domids
        try await f.engine.debugTrigger("halt", args: [vm])
        #expect(try await f.eventually {
            let s = try await f.engine.statVM(vm).1
            return s.powerState == .running && s.domids != before
        })
    }

    @Test func crashSoonAfterStartDoesNotLoop() async throws {
        let f = try await EngineFixture.make(minimumUptime: 120)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onCrash: [.start])
        try await f.engine.debugTrigger("crash", args: [vm])
        #expect(try await f.eventually { try await f.power(vm) == .halted })
        #expect(f.backend.calls(for: vm).filter { $0 == "create" }.count == 1, "a crash within 120 s must not restart")
    }

    @Test func crashAfterUptimeRestarts() async throws {
        let f = try await EngineFixture.make(minimumUptime: 0)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onCrash: [.coredump, .start])
        try await f.engine.debugTrigger("crash", args: [vm])
        #expect(try await f.eventually { f.backend.calls(for: vm).filter { $0 == "create" }.count == 2 })
        #expect(try await f.eventually { try await f.power(vm) == .running })
    }

    @Test func pauseActionKeepsTheDomain() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onShutdown: [.pause])
        try await f.engine.debugTrigger("halt", args: [vm])
        #expect(try await f.eventually { try await f.power(vm) == .paused })
        #expect(!f.backend.calls(for: vm).contains("destroy"))
        // A hard shutdown clears it.
        try await f.succeed(.shutdown(delay: nil), vm)
        #expect(try await f.power(vm) == .halted)
    }

    @Test func rebootLoopIsDelayed() async throws {
        let f = try await EngineFixture.make(minimumUptime: 120, rebootLoopDelay: 0.5)
        defer { Task { await f.cleanup() } }
        let vm = try await f.running(onReboot: [.start])
        let began = ContinuousClock.now
        try await f.engine.debugTrigger("reboot", args: [vm])
        #expect(try await f.eventually { f.backend.calls(for: vm).filter { $0 == "create" }.count == 2 })
        #expect(ContinuousClock.now - began >= .milliseconds(450), "a reboot within the minimum uptime waits first")
        #expect(try await f.eventually { try await f.power(vm) == .running })
    }

    @Test func eventsForUnmanagedDomainsAreIgnored() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let outsider = "99999999-0000-0000-0000-000000000001"
        try f.simulator.createUnmanagedDomain(uuid: outsider, name: "xl-guest", memory: 64 << 20)
        try await f.engine.debugTrigger("halt", args: [outsider])
        try await Task.sleep(for: .milliseconds(200))
        #expect(f.backend.calls(for: outsider).isEmpty)
        #expect(!f.engine.vmExists(outsider))
    }
}

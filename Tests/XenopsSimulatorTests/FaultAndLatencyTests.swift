import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator

@Suite("Fault injection and latency")
struct FaultAndLatencyTests {
    static let boom = BackendError.failed(operation: "createDomain", code: -3, detail: "boom", remedy: "none")

    @Test("failNext fails the next calls only, and leaves nothing behind")
    func failNext() async throws {
        try await withSimulator { sim in
            sim.failNext(.createDomain, with: Self.boom, count: 2)
            let spec = makeSpec()
            for _ in 0..<2 {
                await #expect(throws: Self.boom) { try await sim.createDomain(spec) }
            }
            #expect(try await sim.domainInfo(vm: spec.vm.id) == nil)
            let info = try await sim.createDomain(spec)
            #expect(info.domid == 1, "failed creates allocate no domid")
        }
    }

    @Test("a fault for one VM does not hit another")
    func perVM() async throws {
        try await withSimulator { sim in
            let a = makeSpec(), b = makeSpec()
            _ = try await sim.createDomain(a)
            _ = try await sim.createDomain(b)
            sim.failNext(.unpause, vm: a.vm.id, with: .xenops(.internalError("injected")))
            try await sim.unpause(vm: b.vm.id)
            await #expect(throws: BackendError.xenops(.internalError("injected"))) { try await sim.unpause(vm: a.vm.id) }
            try await sim.unpause(vm: a.vm.id)
        }
    }

    @Test("failAlways fails until clearFaults, also for read-only operations")
    func failAlways() async throws {
        try await withSimulator { sim in
            sim.failAlways(.listDomains)
            for _ in 0..<3 {
                let error = await #expect(throws: BackendError.self) { try await sim.listDomains() }
                guard case .failed(let operation, _, let detail, _)? = error else { Issue.record("unexpected \(String(describing: error))"); continue }
                #expect(operation == "listDomains" && detail == "injected failure")
            }
            sim.clearFaults()
            let listed = try await sim.listDomains()
            #expect(listed.count == 1)
        }
    }

    @Test("a failed destroy leaves the domain; a failed save leaves it running")
    func failedMutationsChangeNothing() async throws {
        try await withSimulator { sim in
            let spec = makeSpec()
            let vm = spec.vm.id
            _ = try await sim.createDomain(spec)
            try await sim.unpause(vm: vm)
            sim.failNext(.destroy, with: .xenops(.internalError("x")))
            await #expect(throws: BackendError.self) { try await sim.destroy(vm: vm) }
            sim.failNext(.save, with: .xenops(.internalError("x")))
            await #expect(throws: BackendError.self) { try await sim.save(vm: vm, to: -1, live: true) }
            #expect(try await sim.domainInfo(vm: vm)?.state == .running)
        }
    }

    @Test("a task cancelled during a long latency step returns promptly with cancelled, changing nothing")
    func cancelDuringLatency() async throws {
        try await withSimulator(SimulatorConfiguration(stepLatency: .seconds(60))) { sim in
            let spec = makeSpec()
            let clock = ContinuousClock()
            let start = clock.now
            let create = Task { try await sim.createDomain(spec) }
            try await Task.sleep(for: .milliseconds(50))
            create.cancel()
            let result = await create.result
            #expect(throws: BackendError.cancelled(operation: "createDomain")) { try result.get() }
            #expect(clock.now - start < .seconds(30), "cancellation must cut the 60 s latency short")
            #expect(try await sim.domainInfo(vm: spec.vm.id) == nil)
        }
    }

    @Test("per-operation latency overrides the step latency, and reads are not slowed by default")
    func latencyOverrides() async throws {
        let config = SimulatorConfiguration(stepLatency: .seconds(60), operationLatency: [.createDomain: .zero, .listDomains: .milliseconds(1)])
        #expect(config.latency(for: .pause) == .seconds(60))
        #expect(config.latency(for: .createDomain) == .zero)
        #expect(config.latency(for: .domainInfo) == .zero)
        #expect(config.latency(for: .listDomains) == .milliseconds(1))
        try await withSimulator(config) { sim in
            let spec = makeSpec()
            _ = try await sim.createDomain(spec)
            #expect(try await sim.listDomains().count == 2)
        }
    }

    @Test("a slow destroy shows the domain dying, then removes it; cancelling it only cuts the wait short")
    func dying() async throws {
        try await withSimulator(SimulatorConfiguration(operationLatency: [.destroy: .seconds(60)])) { sim in
            let spec = makeSpec()
            let vm = spec.vm.id
            _ = try await sim.createDomain(spec)
            let destroy = Task { try await sim.destroy(vm: vm) }
            #expect(try await eventually { try await sim.domainInfo(vm: vm)?.state == .dying })
            await #expect(throws: BackendError.noDomain(vm: vm)) { try await sim.pause(vm: vm) }
            destroy.cancel()
            try await destroy.value
            #expect(try await sim.domainInfo(vm: vm) == nil)
        }
    }
}

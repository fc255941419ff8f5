import Testing
import XenopsBackend
import XenopsSimulator
import XenopsTestSupport

/// The backend conformance suite against the simulator.
@Suite("Backend conformance (simulator)")
struct ConformanceTests {
    @Test("conformance, in-memory simulator", arguments: BackendConformance.cases)
    func inMemory(_ check: BackendConformance.Case) async throws {
        try await run(check, SimulatorConfiguration())
    }

    /// The same cases with a state file and latency, so persistence and the latency path do not
    /// change behaviour.
    @Test("conformance, persistent simulator with latency", arguments: BackendConformance.cases)
    func persistentWithLatency(_ check: BackendConformance.Case) async throws {
        try await withTemporaryDirectory { dir in
            try await run(check, SimulatorConfiguration(statePath: dir.file("state/simulator.json"), stepLatency: .milliseconds(2)))
        }
    }

    private func run(_ check: BackendConformance.Case, _ configuration: SimulatorConfiguration) async throws {
        try await withTemporaryDirectory { dir in
            let sim = try SimulatedHypervisor(configuration: configuration)
            let context = ConformanceContext(
                hypervisor: sim,
                settings: ConformanceSettings(
                    kernelPath: "/simulated/vmlinuz", scratchDirectory: dir.path,
                    ackTimeout: 5, shutdownTimeout: 5, eventTimeout: 5))
            do {
                try await check.run(in: context)
            } catch let skip as ConformanceSkip {
                Issue.record("the simulator supports everything, but \(check.name) was \(skip)")
            }
            // Cleanup left only dom0.
            let left = try await sim.listDomains().map(\.domid)
            #expect(left == [0], "domains left after \(check.name): \(left)")
            await sim.close()
        }
    }
}

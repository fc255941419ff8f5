import Foundation
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

    /// With block devices configured, disks come from them, one case at a time each, and a
    /// device is free again once its case is cleaned up.
    @Test func blockDevicesAreHandedOutOneAtATime() async throws {
        try await withTemporaryDirectory { dir in
            let sim = try SimulatedHypervisor(configuration: SimulatorConfiguration())
            let context = ConformanceContext(
                hypervisor: sim,
                settings: ConformanceSettings(kernelPath: "/simulated/vmlinuz", scratchDirectory: dir.path, blockDevices: ["/dev/loop7", "/dev/loop8"]))
            let first = context.scoped()
            let second = context.scoped()
            #expect(try first.makeDiskImage(name: "a.img") == "/dev/loop7")
            #expect(try second.makeDiskImage(name: "b.img") == "/dev/loop8")
            #expect(throws: ConformanceFailure.self) { try second.makeDiskImage(name: "c.img") }
            #expect(await first.cleanUp().isEmpty)
            #expect(try second.makeDiskImage(name: "c.img") == "/dev/loop7")
            // Block devices stand in for image files: none was created.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
            await sim.close()
        }
    }

    private func run(_ check: BackendConformance.Case, _ configuration: SimulatorConfiguration) async throws {
        try await withTemporaryDirectory { dir in
            // No built-in guest agent: the run-script case plays the agent itself, as on Xen.
            var configuration = configuration
            configuration.guestAgent = false
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

import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine
import XenopsSimulator

/// The host calls XAPI makes at start-up and pool join, and `Observer.*`, through the engine.
@Suite("host policy and Observer through the engine")
struct HostPolicyTests {
    static let hostA = "07cbfbff-04082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000"
    static let hostB = "07c9cbf5-80082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000"

    @Test func combineAndIsCompatibleUseTheFeaturesets() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let both = try await f.engine.combineCPUPolicies(Self.hostA, Self.hostB)
        #expect(both == "07c9cbf5-00082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000")
        #expect(try await f.engine.isCompatible(vmPolicy: both, hostPolicy: Self.hostA))
        #expect(try await !f.engine.isCompatible(vmPolicy: Self.hostB, hostPolicy: Self.hostA))
        // XAPI folds from "": combining with the empty policy is the identity.
        #expect(try await f.engine.combineCPUPolicies("", Self.hostA) == Self.hostA)
    }

    @Test func malformedPoliciesAreInternalErrorsNamingTheParameter() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        await #expect(throws: XenopsError.self) { try await f.engine.combineCPUPolicies(Self.hostA, "0123-foo") }
        do {
            _ = try await f.engine.isCompatible(vmPolicy: "fgfg-1234", hostPolicy: Self.hostA)
            Issue.record("a malformed vm_policy was accepted")
        } catch {
            guard case .internalError(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.hasPrefix("HOST.is_compatible: vm_policy \"fgfg-1234\" is not a CPU featureset: group 1"))
        }
    }

    @Test func debugKeysReachTheConsoleRing() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        try await f.engine.sendDebugKeys("hq")
        let console = try await f.engine.consoleData()
        #expect(console.contains("'h' pressed -> showing installed handlers"))
        #expect(console.contains("'q' pressed -> dump domain (and guest debug) info"))
    }

    @Test func numaPolicyAppliesToDomainsBuiltAfterwardsAndNilSelectsTheDefault() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        #expect(f.engine.currentNUMAAffinityPolicy == .bestEffort)
        f.engine.setNUMAAffinityPolicy(.bestEffortHard)
        let vm = try await f.define()
        try await f.succeed(.start(force: false), vm)
        #expect(f.simulator.numaAffinityPolicy(of: vm) == .bestEffortHard)
        #expect(f.engine.diagnostics()["numa_affinity_policy"] == .string("Best_effort_hard"))
        f.engine.setNUMAAffinityPolicy(nil)
        #expect(f.engine.currentNUMAAffinityPolicy == .bestEffort)
        // xenopsd keeps the policy in memory only: a restarted daemon is back to the default.
        f.engine.setNUMAAffinityPolicy(.any)
        let g = try await f.restarted()
        defer { Task { await g.cleanup() } }
        #expect(g.engine.currentNUMAAffinityPolicy == .bestEffort)
    }

    @Test func observerConfigurationIsKeptAndShownInDiagnostics() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let uuid = "3f5f3b7e-4c1a-4f3e-9a51-6a0b2c1d0e01"
        try f.engine.observer(.create(uuid: uuid, nameLabel: "otel", attributes: ["xs.pool.uuid": "p1"], endpoints: ["bugtool"], enabled: false))
        // A second create with the same uuid keeps the first (xenopsd, CP-45469).
        try f.engine.observer(.create(uuid: uuid, nameLabel: "other", attributes: [:], endpoints: [], enabled: true))
        try f.engine.observer(.setEnabled(uuid: uuid, enabled: true))
        try f.engine.observer(.setEndpoints(uuid: uuid, endpoints: ["bugtool", "http://collector:9411/api/v2/spans"]))
        try f.engine.observer(.setMaxSpans(5000))
        try f.engine.observer(.setExportInterval(2.5))
        try f.engine.observer(.initialise)
        let p = try #require(f.engine.observers.providers[uuid])
        #expect(p.nameLabel == "otel" && p.enabled && p.attributes == ["xs.pool.uuid": "p1"])
        #expect(p.endpoints == ["bugtool", "http://collector:9411/api/v2/spans"])
        let d = f.engine.diagnostics()["observer"]
        #expect(d?["max_spans"] == .int(5000))
        #expect(d?["export_interval"] == .double(2.5))
        #expect(d?["initialised"] == .bool(true))
        #expect(d?["exporting"] == .bool(false))
        guard case .array(let providers)? = d?["providers"] else { Issue.record("no providers in \(String(describing: d))"); return }
        #expect(providers.first?["name_label"] == .string("otel"))
        #expect(throws: XenopsError.internalError("Observer.set_attributes: the TracerProvider nope does not exist. Create it with Observer.create first.")) {
            try f.engine.observer(.setAttributes(uuid: "nope", attributes: [:]))
        }
        try f.engine.observer(.destroy(uuid: uuid))
        try f.engine.observer(.destroy(uuid: uuid))  // unknown: not an error
        #expect(f.engine.observers.providers.isEmpty)
    }
}

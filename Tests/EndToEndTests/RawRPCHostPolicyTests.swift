import Foundation
import Testing
import XenopsCore

/// The host calls XAPI makes at start-up and pool join, and `Observer.*`, as the exact JSON
/// documents XAPI sends, against the real daemon (simulator backend).
@Suite struct RawRPCHostPolicyTests {
    static let hostA = "07cbfbff-04082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000"
    static let hostB = "07c9cbf5-80082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000"

    func diagnostics(_ daemon: DaemonProcess) async throws -> JSONValue {
        let text = try await daemon.result(#"{"method":"get_diagnostics","params":[{"debug_info":"d","unit":null}],"id":2}"#)
        return try JSONValue.parse(text.stringValue ?? "")
    }

    @Test func numaAffinityPolicyWithTheKeyAbsentIsTheDefault() async throws {
        try await withDaemon { daemon in
            let set = try await daemon.call(#"{"method":"HOST.set_numa_affinity_policy","params":[{"debug_info":"xapi-start"}],"id":1}"#)
            #expect(set.text == #"{"result":null,"error":null,"id":1}"#)
            #expect(try await diagnostics(daemon)["numa_affinity_policy"] == .string("Best_effort"))
            let hard = try await daemon.call(#"{"method":"HOST.set_numa_affinity_policy","params":[{"debug_info":"x","numa_affinity_policy":"Best_effort_hard"}],"id":3}"#)
            #expect(hard.text == #"{"result":null,"error":null,"id":3}"#)
            #expect(try await diagnostics(daemon)["numa_affinity_policy"] == .string("Best_effort_hard"))
        }
    }

    @Test func combineAndIsCompatibleAsXapiCallsThem() async throws {
        try await withDaemon { daemon in
            let combined = try await daemon.call(#"{"method":"HOST.combine_cpu_policies","params":[{"debug_info":"pool-join","policy1":"\#(Self.hostA)","policy2":"\#(Self.hostB)"}],"id":4}"#)
            #expect(combined.text == #"{"result":"07c9cbf5-00082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000","error":null,"id":4}"#)
            let no = try await daemon.call(#"{"method":"HOST.is_compatible","params":[{"debug_info":"migrate","vm_policy":"\#(Self.hostB)","host_policy":"\#(Self.hostA)"}],"id":5}"#)
            #expect(no.text == #"{"result":false,"error":null,"id":5}"#)
            let yes = try await daemon.call(#"{"method":"HOST.is_compatible","params":[{"debug_info":"migrate","vm_policy":"07c9cbf5","host_policy":"\#(Self.hostA)"}],"id":6}"#)
            #expect(yes.text == #"{"result":true,"error":null,"id":6}"#)
            let bad = try json(try await daemon.call(#"{"method":"HOST.combine_cpu_policies","params":[{"debug_info":"x","policy1":"0123-foo","policy2":"0f"}],"id":7}"#))
            guard case .array(let e)? = bad["error"], e.first == .string("Internal_error"), let message = e.last?.stringValue else {
                Issue.record("not an Internal_error: \(bad.jsonString)")
                return
            }
            #expect(message.hasPrefix(#"HOST.combine_cpu_policies: policy1 "0123-foo" is not a CPU featureset: group 2 "foo" is not 1 to 8 hex digits"#))
        }
    }

    @Test func debugKeysShowInTheConsole() async throws {
        try await withDaemon { daemon in
            let sent = try await daemon.call(#"{"method":"HOST.send_debug_keys","params":[{"debug_info":"x","debug_keys":"h"}],"id":8}"#)
            #expect(sent.text == #"{"result":null,"error":null,"id":8}"#)
            let console = try await daemon.result(#"{"method":"HOST.get_console_data","params":[{"debug_info":"x"}],"id":9}"#)
            #expect(console.stringValue?.contains("'h' pressed -> showing installed handlers") == true)
        }
    }

    @Test func observerCreateWithTheLiteralWireNamesIsKept() async throws {
        try await withDaemon { daemon in
            let uuid = "8d4f6c1e-2b3a-4c5d-9e0f-1a2b3c4d5e6f"
            let created = try await daemon.call(#"{"method":"Observer.create","params":[{"dbg":"OpaqueRef:obs","uuid":"\#(uuid)","name_label":"otel","dict":{"xs.pool.uuid":"p"},"endpoints":["bugtool"],"bool":true}],"id":10}"#)
            #expect(created.text == #"{"result":null,"error":null,"id":10}"#)
            let interval = try await daemon.call(#"{"method":"Observer.set_export_interval","params":[{"dbg":"d","float":5.0}],"id":11}"#)
            #expect(interval.text == #"{"result":null,"error":null,"id":11}"#)
            let observer = try await diagnostics(daemon)["observer"]
            #expect(observer?["export_interval"] == .double(5))
            guard case .array(let providers)? = observer?["providers"], let p = providers.first else {
                Issue.record("no provider in \(String(describing: observer))")
                return
            }
            #expect(p["uuid"] == .string(uuid) && p["name_label"] == .string("otel") && p["enabled"] == .bool(true))
            #expect(p["endpoints"] == .array([.string("bugtool")]))
            let unknown = try await daemon.call(#"{"method":"Observer.set_enabled","params":[{"dbg":"d","uuid":"nope","bool":false}],"id":12}"#)
            #expect(unknown.text == #"{"result":null,"error":["Internal_error","Observer.set_enabled: the TracerProvider nope does not exist. Create it with Observer.create first."],"id":12}"#)
        }
    }
}

import XenopsBackend
import XenopsCore

/// Issue 9: what both backends write to xenstore for the guest agent and for a VIF's settings.
/// The cases read xenstore through ``XenopsBackend/XenstoreAccess`` (dom0's real xenstore
/// with libxl, the model with the simulator), and play the guest agent themselves, so the
/// test guest needs no agent. A backend without xenstore access skips them.
extension BackendConformance {
    static let guestAgentCases: [Case] = [
        Case("rdp-request-xenstore", "requestRDP writes control/ts = 1 / 0 for the guest agent") { c in
            let (xs, info, _) = try await agentGuest(c)
            let vm = info.uuid
            try await c.hypervisor.requestRDP(vm: vm, enabled: true)
            try Verify.equal(try await xs.xenstoreRead(XenstoreLayout.rdpPath(domid: info.domid)), "1", "control/ts after requestRDP(true)")
            try await c.hypervisor.requestRDP(vm: vm, enabled: false)
            try Verify.equal(try await xs.xenstoreRead(XenstoreLayout.rdpPath(domid: info.domid)), "0", "control/ts after requestRDP(false)")
        },
        Case("run-script-agent-protocol", "runScript is Unimplemented without feature-xs-batcmd, and with it follows xenopsd's control/batcmd exchange (played by the test)") { c in
            let (xs, info, _) = try await agentGuest(c)
            let h = c.hypervisor
            let vm = info.uuid
            let feature = XenstoreLayout.batcmdFeaturePath(domid: info.domid)
            if try await xs.xenstoreRead(feature) != nil {
                throw ConformanceSkip("the guest runs a real agent (feature-xs-batcmd is set); the exchange cannot be played by the test")
            }
            try await Verify.throwsError("runScript without a guest agent", accept: ExpectedError.isUnimplemented) {
                _ = try await h.runScript(vm: vm, script: "echo no agent")
            }
            try await xs.xenstoreWrite(feature, "1")
            let base = XenstoreLayout.batcmdPath(domid: info.domid)
            let running = Task { try await h.runScript(vm: vm, script: "echo hello") }
            // The agent's side: wait for READY, check the script, answer.
            let deadline = ContinuousClock.now.advanced(by: .seconds(c.settings.eventTimeout))
            while try await xs.xenstoreRead("\(base)/state") != "READY" {
                guard ContinuousClock.now < deadline else {
                    running.cancel()
                    throw ConformanceFailure("runScript did not write control/batcmd/state = READY within \(c.settings.eventTimeout) s")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            try Verify.equal(try await xs.xenstoreRead("\(base)/script"), "echo hello", "control/batcmd/script")
            try await xs.xenstoreWrite("\(base)/return", "3")
            try await xs.xenstoreWrite("\(base)/stdout", "hello")
            try await xs.xenstoreWrite("\(base)/stderr", "")
            try await xs.xenstoreWrite("\(base)/state", "SUCCESS")
            let result = try await running.value
            try Verify.equal(result, GuestScriptResult(rc: 3, stdout: "hello", stderr: ""), "the script's result")
            try Verify.that(try await xs.xenstoreRead("\(base)/state") == nil, "control/batcmd was not removed after the exchange")
        },
        Case("vif-settings-xenstore", "IPv4/IPv6 settings, trunks and the locking mode of a plugged VIF land in xenopsd's xenstore keys") { c in
            let (xs, info, spec) = try await agentGuest(c)
            let h = c.hypervisor
            let vm = info.uuid
            var vif = c.vif(for: spec, name: "1", position: 1)
            try await h.plugVIF(vm: vm, vif)
            let ip = XenstoreLayout.staticIPPath(domid: info.domid, devid: 1)
            try await h.applyVIFSetting(vm: vm, vif, .ipv4(.static(cidrs: ["192.0.2.10/24"], gateway: "192.0.2.1")))
            try Verify.equal(try await xs.xenstoreRead("\(ip)/enabled"), "1", "static-ip-setting/enabled")
            try Verify.equal(try await xs.xenstoreRead("\(ip)/address"), "192.0.2.10/24", "static-ip-setting/address")
            try Verify.equal(try await xs.xenstoreRead("\(ip)/gateway"), "192.0.2.1", "static-ip-setting/gateway")
            try await h.applyVIFSetting(vm: vm, vif, .ipv4(.dhcp))
            try Verify.equal(try await xs.xenstoreRead("\(ip)/enabled"), "2", "static-ip-setting/enabled after DHCP4")
            try Verify.that(try await xs.xenstoreRead("\(ip)/address") == nil, "the IPv4 address stayed after DHCP4")
            try await h.applyVIFSetting(vm: vm, vif, .ipv6(.autoconf))
            try Verify.equal(try await xs.xenstoreRead("\(ip)/enabled6"), "2", "static-ip-setting/enabled6 after Autoconf6")

            let priv = XenstoreLayout.privateVIFPath(vm: vm, devid: 1)
            // Where Open vSwitch or the vif-rules script is missing, the keys are still written
            // and the backend says what is missing.
            try await allowUnsupported { try await h.applyVIFSetting(vm: vm, vif, .trunks([10, 20])) }
            try Verify.equal(try await xs.xenstoreRead("\(priv)/trunks"), "10,20", "the private trunks key")
            vif.lockingMode = .locked(ipv4: ["192.0.2.10"], ipv6: [])
            try await allowUnsupported { try await h.applyVIFSetting(vm: vm, vif, .lockingMode(vif.lockingMode)) }
            try Verify.equal(try await xs.xenstoreRead("\(priv)/locking-mode"), "locked", "the private locking-mode key")
            try Verify.equal(try await xs.xenstoreRead("\(priv)/ipv4-allowed"), "192.0.2.10", "the private ipv4-allowed key")
            try Verify.equal(try await xs.xenstoreRead(XenstoreLayout.disconnectPath(domid: info.domid, devid: 1)), "0", "the disconnect flag with carrier on")
            try await allowUnsupported { try await h.applyVIFSetting(vm: vm, vif, .lockingMode(.disabled)) }
            try Verify.equal(try await xs.xenstoreRead("\(priv)/locking-mode"), "disabled", "the private locking-mode key after Disabled")
            try Verify.that(try await xs.xenstoreRead("\(priv)/ipv4-allowed") == nil, "ipv4-allowed stayed after Disabled")
            try Verify.equal(try await xs.xenstoreRead(XenstoreLayout.disconnectPath(domid: info.domid, devid: 1)), "1", "the disconnect flag when Disabled")
        },
        Case("guest-agent-features", "updateGuestAgentFeatures replaces /guest_agent_features") { c in
            guard let xs = c.hypervisor as? any XenstoreAccess else { throw ConformanceSkip("the backend gives no xenstore access") }
            let h = c.hypervisor
            try await h.updateGuestAgentFeatures([GuestAgentFeature(name: "conformance-a", licensed: true, parameters: ["k": "v"])])
            try Verify.equal(try await xs.xenstoreRead("/guest_agent_features/conformance-a/licensed"), "1", "licensed")
            try Verify.equal(try await xs.xenstoreRead("/guest_agent_features/conformance-a/parameters/k"), "v", "a parameter")
            try await h.updateGuestAgentFeatures([])
            try Verify.that(try await xs.xenstoreRead("/guest_agent_features/conformance-a/licensed") == nil, "an old feature stayed")
            try Verify.equal(try await xs.xenstoreRead("/guest_agent_features"), "", "the (empty) root")
        },
    ]

    /// A running test guest and xenstore access, or a skip.
    static func agentGuest(_ c: ConformanceContext) async throws -> (any XenstoreAccess, DomainInfo, DomainSpec) {
        guard let xs = c.hypervisor as? any XenstoreAccess else { throw ConformanceSkip("the backend gives no xenstore access") }
        let spec = c.makeSpec()
        let info = try await c.hypervisor.createDomain(spec)
        try await c.hypervisor.unpause(vm: spec.vm.id)
        return (xs, info, spec)
    }

    /// Runs `body`; a ``BackendError/unsupported(operation:backend:reason:)`` (a helper program
    /// this host lacks) is accepted, any other error is not.
    static func allowUnsupported(_ body: () async throws -> Void) async throws {
        do { try await body() } catch where ExpectedError.isUnsupported(error) {}
    }
}

import Foundation
import XenopsBackend
import XenopsCore

/// Issue 9 on the simulator: guest-agent requests through a model of xenstore, ACPI S3,
/// shadow memory and the licensed guest-agent features. Keys are those of
/// ``XenopsBackend/XenstoreLayout``, as the libxl backend writes them.
extension SimulatedHypervisor {
    /// Writes `control/ts` for the guest agent.
    public func requestRDP(vm: String, enabled: Bool) async throws {
        try await begin(.requestRDP, vm: vm, detail: String(enabled))
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .requestRDP)
            Self.apply([.write(XenstoreLayout.rdpPath(domid: d.domid), enabled ? "1" : "0")], in: &s)
            s.console.append("simulator: domain \(d.domid): RDP \(enabled ? "on" : "off") requested")
            fx.events.append(.domainChanged(vm: vm))
        }
    }

    /// Runs `script` through the domain's guest agent with xenopsd's `control/batcmd`
    /// exchange (``XenopsBackend/GuestScriptExchange``). The simulated agent (when
    /// ``SimulatorConfiguration/guestAgent`` is on) announces `feature-xs-batcmd` when the
    /// domain is built and answers once the domain runs.
    public func runScript(vm: String, script: String) async throws -> GuestScriptResult {
        try await begin(.runScript, vm: vm)
        let domid = try state.withLock { try Self.guest($0, vm, for: .runScript).domid }
        return try await GuestScriptExchange.run(script, domid: domid, store: self, pollInterval: Self.pollInterval, operation: "runScript")
    }

    /// Resizes the shadow allocation of an HVM domain to xenopsd's model times `multiplier`.
    public func setShadowMultiplier(vm: String, multiplier: Double) async throws {
        try await begin(.setShadowMultiplier, vm: vm, detail: String(multiplier))
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .setShadowMultiplier)
            guard d.domainType == DomainType.hvm.rawValue else { throw BackendError.xenops(.unimplemented("shadow_multiplier for PV domains")) }
            let mib = ShadowMemory.mib(staticMaxBytes: d.memoryMax, vcpus: d.vcpusMax, multiplier: multiplier)
            let current = d.shadowMiB ?? ShadowMemory.mib(staticMaxBytes: d.memoryMax, vcpus: d.vcpusMax, multiplier: 1)
            let needed = Int64(mib - current) << 20
            guard needed <= freeBytes(s.world) else { throw BackendError.xenops(.notEnoughMemory(needed)) }
            s.world.domains[vm]?.shadowMiB = mib
            s.console.append("simulator: domain \(d.domid): shadow allocation \(mib) MiB (multiplier \(multiplier))")
            fx.events.append(.domainChanged(vm: vm))
        }
    }

    /// Writes `s3` to `control/shutdown`; a running guest that answers requests enters S3.
    /// As in xenopsd, nothing waits for it (and the domain still reads as running).
    public func s3Suspend(vm: String) async throws {
        try await begin(.s3Suspend, vm: vm)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .s3Suspend)
            Self.apply([.write(XenstoreLayout.shutdownPath(domid: d.domid), "s3")], in: &s)
            if d.state == .running, s.behaviour(for: vm) != .refuseAck { s.world.domains[vm]?.acpiS3 = true }
            s.console.append("simulator: domain \(d.domid): asked to enter ACPI S3")
            fx.events.append(.domainChanged(vm: vm))
        }
    }

    /// Wakes the guest from S3 (Xen's `HVM_PARAM_ACPI_S_STATE` = 0); a guest not in S3 is left alone.
    public func s3Resume(vm: String) async throws {
        try await begin(.s3Resume, vm: vm)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .s3Resume)
            s.world.domains[vm]?.acpiS3 = nil
            Self.apply([.remove(XenstoreLayout.shutdownPath(domid: d.domid))], in: &s)
            s.console.append("simulator: domain \(d.domid): resumed from ACPI S3")
            fx.events.append(.domainChanged(vm: vm))
        }
    }

    /// Replaces `/guest_agent_features`.
    public func updateGuestAgentFeatures(_ features: [GuestAgentFeature]) async throws {
        try await begin(.updateGuestAgentFeatures, vm: nil, detail: features.map(\.name).joined(separator: ","))
        try await commit { s, _ in
            Self.apply(XenstoreLayout.guestAgentFeatures(features), in: &s)
            s.console.append("simulator: \(features.count) guest-agent feature(s) published")
        }
    }

    /// Whether the guest of `vm` is in ACPI S3 (for tests; ``DomainInfo`` does not carry it).
    public func isInS3(vm: String) -> Bool {
        state.withLock { $0.world.domains[vm]?.acpiS3 ?? false }
    }

    /// The shadow allocation set for the domain of `vm`, in MiB, or nil if never set.
    public func shadowAllocationMiB(vm: String) -> Int? {
        state.withLock { $0.world.domains[vm]?.shadowMiB }
    }

    // MARK: - The model of xenstore

    /// Applies edits to the model: keys under a domain's home go to that domain (and vanish
    /// with it), the rest to the world.
    static func apply(_ edits: [XenstoreEdit], in s: inout SimulatorState) {
        for edit in edits {
            switch edit {
            case .write(let path, let value):
                if let (uuid, key) = domainKey(path, in: s.world) {
                    var keys = s.world.domains[uuid]?.xenstore ?? [:]
                    keys[key] = value
                    s.world.domains[uuid]?.xenstore = keys
                } else {
                    s.world.xenstore = (s.world.xenstore ?? [:]).merging([path: value]) { _, new in new }
                }
            case .remove(let path):
                if let (uuid, key) = domainKey(path, in: s.world) {
                    let keys = s.world.domains[uuid]?.xenstore?.filter { !isAt($0.key, or: key) }
                    s.world.domains[uuid]?.xenstore = keys
                } else {
                    s.world.xenstore = s.world.xenstore?.filter { !isAt($0.key, or: path) }
                }
            }
        }
    }

    static func read(_ path: String, in s: SimulatorState) -> String? {
        if let (uuid, key) = domainKey(path, in: s.world) { return s.world.domains[uuid]?.xenstore?[key] }
        return s.world.xenstore?[path]
    }

    /// Whether `key` is `node` or under it.
    static func isAt(_ key: String, or node: String) -> Bool { key == node || key.hasPrefix(node + "/") }

    /// The VM uuid and relative key of a path under `/local/domain/<domid>/`.
    static func domainKey(_ path: String, in world: SimulatedWorld) -> (String, String)? {
        let prefix = "/local/domain/"
        guard path.hasPrefix(prefix) else { return nil }
        let rest = path.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/"), let domid = Int(rest[..<slash]) else { return nil }
        guard let d = world.domains.values.first(where: { $0.domid == domid }) else { return nil }
        return (d.uuid, String(rest[rest.index(after: slash)...]))
    }

    /// What a guest's destruction takes with it: its private toolstack keys, and its PCI
    /// functions, which go to quarantine.
    func releaseGuestResources(of d: SimulatedDomain, in s: inout SimulatorState) {
        Self.apply([.remove("/xapi/\(d.uuid)")], in: &s)
        if !d.pcis.isEmpty { s.world.quarantinedPCI = (s.world.quarantinedPCI ?? []).union(d.pcis.values) }
    }

    // MARK: - The simulated guest agent

    /// Announces the agent's script support in a new domain (called when it is built).
    func announceGuestAgent(domid: Int, in s: inout SimulatorState) {
        guard configuration.guestAgent else { return }
        Self.apply([.write(XenstoreLayout.batcmdFeaturePath(domid: domid), "1")], in: &s)
    }

    /// Starts the agent on a `READY` script: once the domain runs (after the guest's
    /// acknowledgement delay) it interprets the script and writes the outcome.
    func startGuestAgent(vm: String, domid: Int) {
        let delay = configuration.guestAckDelay
        let base = XenstoreLayout.batcmdPath(domid: domid)
        Task {
            do { try await Task.sleep(for: delay) } catch { return }
            while true {
                let done: Bool = (try? transact { s, _ -> Bool in
                    guard let d = s.world.domains[vm], d.domid == domid, !d.state.isShutdown, d.state != .dying, !s.closed else { return true }
                    guard d.state == .running else { return false }  // a paused guest's agent does not run
                    guard Self.read("\(base)/state", in: s) == "READY", let script = Self.read("\(base)/script", in: s) else { return true }
                    let outcome = SimulatedGuestAgent.interpret(script)
                    var edits: [XenstoreEdit] = [.write("\(base)/state", "IN PROGRESS")]
                    if let rc = outcome.rc { edits.append(.write("\(base)/return", String(rc))) }
                    edits += [.write("\(base)/stdout", outcome.stdout), .write("\(base)/stderr", outcome.stderr), .write("\(base)/state", outcome.state)]
                    Self.apply(edits, in: &s)
                    s.console.append("simulator: guest agent of domain \(domid) ran a script: \(outcome.state)")
                    return true
                }) ?? true
                if done { return }
                do { try await Task.sleep(for: Self.pollInterval) } catch { return }
            }
        }
    }
}

extension SimulatedHypervisor: XenstoreAccess {
    public func xenstoreRead(_ path: String) async throws -> String? {
        state.withLock { Self.read(path, in: $0) }
    }

    /// Writes a key; a `READY` script state wakes the simulated guest agent.
    public func xenstoreWrite(_ path: String, _ value: String) async throws {
        let agent: (String, Int)? = try transact { s, _ in
            Self.apply([.write(path, value)], in: &s)
            guard configuration.guestAgent, value == "READY", let (uuid, key) = Self.domainKey(path, in: s.world),
                  key == "control/batcmd/state", let d = s.world.domains[uuid] else { return nil }
            return (uuid, d.domid)
        }
        if let (vm, domid) = agent { startGuestAgent(vm: vm, domid: domid) }
        try await persisted()
    }

    public func xenstoreRemove(_ path: String) async throws {
        try transact { s, _ in Self.apply([.remove(path)], in: &s) }
        try await persisted()
    }
}

/// The simulated guest agent's script language, one command a line: `echo TEXT` (to stdout),
/// `echo TEXT >&2` (to stderr), `exit N`, `fail` (the agent reports `FAILURE`); anything else
/// is an unknown command (rc 127).
enum SimulatedGuestAgent {
    struct Outcome {
        var state: String
        var rc: Int?
        var stdout = ""
        var stderr = ""
    }

    static func interpret(_ script: String) -> Outcome {
        var out = Outcome(state: "SUCCESS", rc: 0)
        for raw in script.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("echo ") {
                let text = String(line.dropFirst(5))
                if text.hasSuffix(" >&2") { out.stderr += text.dropLast(4) + "\n" } else { out.stdout += text + "\n" }
            } else if line.hasPrefix("exit "), let code = Int(line.dropFirst(5).trimmingCharacters(in: .whitespaces)) {
                out.rc = code
                return out
            } else if line == "fail" {
                return Outcome(state: "FAILURE", rc: nil, stdout: out.stdout, stderr: out.stderr)
            } else {
                out.stderr += "sim-agent: unknown command: \(line)\n"
                out.rc = 127
                return out
            }
        }
        return out
    }
}

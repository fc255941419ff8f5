import XenopsCore

/// xenopsd's `VM.run_script` protocol with the guest agent over xenstore
/// (`xen-api:ocaml/xenopsd/xc/xenops_server_xen.ml`, `run_script`), shared by both backends:
///
/// 1. the agent announces `control/feature-xs-batcmd`, else the guest cannot run scripts;
/// 2. a leftover exchange in `control/batcmd` is refused while `IN PROGRESS`, else removed;
/// 3. `script` and `state = READY` are written;
/// 4. the agent sets `state` to `SUCCESS`, `TRUNCATED` or `FAILURE` with `return`, `stdout`
///    and `stderr`; the toolstack reads them and removes `control/batcmd`.
public enum GuestScriptExchange {
    /// Runs `script` in the guest of domain `domid`, polling `store` every `pollInterval`
    /// for up to `timeout` (xenopsd: a day). Cancelling the calling task withdraws the script.
    ///
    /// - Throws: `Unimplemented` when the guest has no agent that runs scripts,
    ///   `Failed_to_run_script` when a script is still running, the agent reports a failure or
    ///   the exchange vanishes (the domain went away), ``BackendError/cancelled(operation:)``.
    public static func run(
        _ script: String, domid: Int, store: some XenstoreAccess, pollInterval: Duration,
        timeout: Duration = .seconds(86_400), operation: String
    ) async throws -> GuestScriptResult {
        guard try await store.xenstoreRead(XenstoreLayout.batcmdFeaturePath(domid: domid)) != nil else {
            throw BackendError.xenops(.unimplemented("run-script is not supported on the given VM (or it is still booting)"))
        }
        let base = XenstoreLayout.batcmdPath(domid: domid)
        switch try await store.xenstoreRead("\(base)/state") ?? "" {
        case "": break
        case "IN PROGRESS":
            throw BackendError.xenops(.failedToRunScript("A residual run-script instance in progress, either wait for its completion or reboot the VM."))
        default: try await store.xenstoreRemove(base)
        }
        try await store.xenstoreWrite("\(base)/script", script)
        try await store.xenstoreWrite("\(base)/state", "READY")
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var state = "READY"
        while true {
            guard let now = try await store.xenstoreRead("\(base)/state") else {
                throw BackendError.xenops(.failedToRunScript("control/batcmd disappeared while the script ran (the domain shut down or the agent removed it)"))
            }
            state = now
            if ["SUCCESS", "TRUNCATED", "FAILURE"].contains(state) { break }
            if clock.now >= deadline {
                try? await store.xenstoreRemove(base)
                throw BackendError.xenops(.failedToRunScript("the guest agent did not finish the script within \(timeout)"))
            }
            do { try await Task.sleep(for: pollInterval) } catch {
                try? await store.xenstoreRemove(base)
                throw BackendError.cancelled(operation: operation)
            }
        }
        let rc = try await store.xenstoreRead("\(base)/return") ?? ""
        let stdout = try await store.xenstoreRead("\(base)/stdout") ?? ""
        let stderr = try await store.xenstoreRead("\(base)/stderr") ?? ""
        try await store.xenstoreRemove(base)
        do { return try GuestScriptResult(agentState: state, rc: rc, stdout: stdout, stderr: stderr) } catch {
            throw BackendError.xenops(error)
        }
    }
}

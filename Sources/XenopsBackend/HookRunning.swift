import XenopsCore

/// The seam between the engine and the hook scripts an operator installs (xenopsd's
/// `/etc/xapi.d/<hook>/`). The engine calls it at the points of a VM operation where
/// xenopsd runs `VM_hook_script`; the daemon gives it a runner over a folder
/// (`XenopsHooks.DirectoryHookRunner`), tests a recording fake.
public protocol HookRunning: Sendable {
    /// Runs every script of `hook` for `vm`, one after the other, with the arguments
    /// `-vmuuid <vm> -reason <reason>` (and `-vmdomid <domid>` when the VM has a domain, as
    /// xenopsd-xc adds).
    ///
    /// Throws `XenopsError.hookFailed(script:reason:stdout:detail:)` — `script` as
    /// `<hook>/<file>`, `detail` the exit code — when a script exits with a status other than
    /// 0 or 1 (1 means "log my output and continue"), is killed, or outlives the timeout; the
    /// remaining scripts are not run. Throws `XenopsError.cancelled` soon after the calling
    /// task is cancelled, having killed the running script.
    func run(_ hook: Hook, vm: String, reason: HookReason, domid: Int?) async throws(XenopsError)
}

extension HookRunning {
    /// Runs `hook` without `-vmdomid`.
    public func run(_ hook: Hook, vm: String, reason: HookReason) async throws(XenopsError) {
        try await run(hook, vm: vm, reason: reason, domid: nil)
    }
}

/// No hook scripts at all (the engine's default; the daemon passes a folder runner).
public struct NoHooks: HookRunning {
    public init() {}
    public func run(_ hook: Hook, vm: String, reason: HookReason, domid: Int?) async throws(XenopsError) {}
}

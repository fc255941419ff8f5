import XenopsBackend
import XenopsCore

extension XenopsEngine {
    /// Runs the operator's scripts for `hook`, as xenopsd's `VM_hook_script` does: with
    /// `-vmdomid` when the VM has a domain (xenopsd-xc's `get_hook_args`). A failing script
    /// throws `Hook_failed`, which fails the operation that called it.
    ///
    /// Lifecycle plans call this through `PlanStep.runHook`. The migration code calls it
    /// directly at xenopsd's points: `vm-pre-migrate` (`.migrateSource`) on the source before
    /// anything is sent; `vm-pre-shutdown` and `vm-post-destroy` (`.suspend`) around the
    /// destruction of the source's domain after the last handshake; `vm-post-migrate`
    /// (`.migrateDestination`) on the destination after the domain is unpaused.
    func runHook(_ hook: Hook, vm: String, reason: HookReason) async throws(XenopsError) {
        // A failed look-up only costs the optional -vmdomid argument.
        let domid = (try? await backend.domainInfo(vm: vm))??.domid
        try await configuration.hooks.run(hook, vm: vm, reason: reason, domid: domid)
    }
}

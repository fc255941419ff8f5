/// A hook point: the folder under the hooks directory (default `/etc/xapi.d`) whose
/// executables run at that point of a VM operation (xenopsd's `Xenops_hooks.script`).
///
/// The raw values are xenopsd's folder names. `vmPreShutdown` is xenopsd's `VM_pre_destroy`,
/// whose folder is `vm-pre-shutdown`; there is no `vm-pre-destroy` folder.
public enum Hook: String, Sendable, Hashable, CaseIterable {
    case vmPreShutdown = "vm-pre-shutdown"
    case vmPreMigrate = "vm-pre-migrate"
    case vmPostMigrate = "vm-post-migrate"
    case vmPreSuspend = "vm-pre-suspend"
    case vmPreStart = "vm-pre-start"
    case vmPreReboot = "vm-pre-reboot"
    case vmPreResume = "vm-pre-resume"
    case vmPostResume = "vm-post-resume"
    case vmPostDestroy = "vm-post-destroy"
}

/// The `-reason` a hook is given (xenopsd's `reason__*` strings).
public enum HookReason: String, Sendable, Hashable, CaseIterable {
    case cleanShutdown = "clean-shutdown"
    case hardShutdown = "hard-shutdown"
    case cleanReboot = "clean-reboot"
    case hardReboot = "hard-reboot"
    case suspend
    /// `vm-pre-migrate` on the source host.
    case migrateSource = "source"
    /// `vm-post-migrate` on the destination host.
    case migrateDestination = "destination"
    case none
}

/// How a hook script's exit status is read (xenopsd's `execute_vm_hook`).
public enum HookExit {
    /// Exit status 1: the script's output is logged and the operation continues. Every other
    /// non-zero status fails the operation with `Hook_failed`.
    public static let logAndContinue: Int32 = 1
}

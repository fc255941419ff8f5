/// A backend that can let a domain it saved run again where it stopped (libxl's
/// `libxl_domain_resume` with `suspend_cancel`; xl does it when a migration fails, "trying to
/// resume at our end").
///
/// A live migration saves the domain into the memory connection, which leaves it shut down
/// with reason `suspend`. If the migration then fails before sync point 3 the VM must go on
/// running on the source: the engine resumes the domain through this protocol. A backend that
/// cannot do this does not adopt it, and the engine refuses to migrate from it before anything
/// is sent.
public protocol SuspendCancelling: Hypervisor {
    /// Resumes the domain of `vm`, which shut down with reason `suspend` after a ``Hypervisor/save(vm:to:live:)``,
    /// so that it runs again with its memory and devices as they were. Throws if the domain is
    /// not in that state.
    func resumeSuspended(vm: String) async throws
}

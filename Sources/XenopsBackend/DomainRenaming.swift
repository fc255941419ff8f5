/// A backend that can move a live domain to another VM uuid (xenopsd's `VM_rename`).
///
/// Migration restores the incoming domain under a temporary uuid and renames it to the VM's
/// real uuid at sync point 3, once the source has let go of it (issue #8 renames on the source
/// too). Backends that cannot do this do not adopt the protocol; the engine then refuses a
/// migration before any memory is sent, with `Unimplemented`.
public protocol DomainRenaming: Hypervisor {
    /// Gives the domain of VM `vm` the handle `newUUID`, so that it is found as that VM's
    /// domain from now on. Throws if `vm` has no domain or `newUUID` already has one.
    func renameDomain(vm: String, to newUUID: String) async throws
}

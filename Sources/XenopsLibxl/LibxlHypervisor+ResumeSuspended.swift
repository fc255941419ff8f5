import CXenLight
import XenopsBackend
import XenopsCore

extension LibxlHypervisor: SuspendCancelling {
    /// Resumes a domain that a save left suspended (`libxl_domain_resume` with
    /// `suspend_cancel = 1`, as xl does when a migration fails: the guest returns from its
    /// suspend hypercall and carries on with the memory and devices it had).
    public func resumeSuspended(vm: String) async throws {
        let (d, _) = try await requireManaged(vm, for: "resume after save")
        guard d.shutdown, d.shutdownReason == .suspend else {
            throw BackendError.failed(
                operation: "resume after save", code: Int(LibxlErrorCode.invalid.rawValue),
                detail: "domain \(d.domid) of VM \(vm) is not suspended by a save",
                remedy: "Only a domain left suspended by a save can be resumed this way.")
        }
        let ctx = self.ctx
        try await call("resume after save", vm: vm) {
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_domain_resume(ctx.raw, d.domid, 1, nil), "libxl_domain_resume", context: "domain \(d.domid)")
        }
        logger.info("resumed domain \(d.domid) of VM \(vm) after its save (suspend cancelled)")
        continuation.yield(.domainChanged(vm: vm))
    }
}

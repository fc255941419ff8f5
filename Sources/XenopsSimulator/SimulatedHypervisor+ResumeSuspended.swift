import XenopsBackend
import XenopsCore

extension SimulatedHypervisor: SuspendCancelling {
    /// Lets a domain that ``save(vm:to:live:)`` left shut down with reason `suspend` run again
    /// (libxl's `libxl_domain_resume` with `suspend_cancel`): same domid, memory and devices.
    public func resumeSuspended(vm: String) async throws {
        try await begin(.resumeSuspended, vm: vm)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .resumeSuspended)
            guard d.state == .shutdown(reason: .suspend) else {
                throw BackendError.failed(
                    operation: "resumeSuspended", code: Code.invalid,
                    detail: "domain \(d.domid) of VM \(vm) is \(d.state), not suspended by a save",
                    remedy: "Only a domain left suspended by a save can be resumed this way.")
            }
            s.world.domains[vm]?.state = .running
            s.console.append("simulator: resumed domain \(d.domid) (\(vm)) after its save (suspend cancelled)")
            fx.events.append(.domainChanged(vm: vm))
        }
    }
}

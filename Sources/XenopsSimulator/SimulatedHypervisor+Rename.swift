import XenopsBackend
import XenopsCore

extension SimulatedHypervisor: DomainRenaming {
    /// Moves the domain of `vm` to `newUUID` (Xen's `xc_domain_sethandle`): same domid, memory
    /// and devices, found under the new uuid from now on. Refused while a shutdown request is
    /// outstanding, since the simulated guest answering it is tied to the old uuid.
    public func renameDomain(vm: String, to newUUID: String) async throws {
        try await begin(.renameDomain, vm: vm, detail: newUUID)
        try await commit { s, fx in
            var d = try Self.guest(s, vm, for: .renameDomain)
            guard newUUID != Self.dom0UUID, s.world.domains[newUUID] == nil else {
                throw BackendError.xenops(.alreadyExists(namespace: "domain", path: newUUID))
            }
            guard s.pendingRequests[vm] == nil, s.guestTasks[vm] == nil else {
                throw BackendError.failed(
                    operation: "renameDomain", code: Code.invalid,
                    detail: "domain \(d.domid) of VM \(vm) has a shutdown request in progress",
                    remedy: "Wait for the request to finish, then rename.")
            }
            s.world.domains[vm] = nil
            d.uuid = newUUID
            s.world.domains[newUUID] = d
            s.console.append("simulator: renamed domain \(d.domid) from \(vm) to \(newUUID)")
            fx.events.append(.domainChanged(vm: newUUID))
        }
    }
}

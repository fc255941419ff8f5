import XenopsBackend
import XenopsCore

extension SimulatedHypervisor {
    /// Writes a ``SaveImage`` of the domain to `fd` and leaves the domain shut down with reason
    /// `suspend` (emitting `.domainShutdown(reason: .suspend)`, as Xen reports a suspended
    /// domain). The write runs on its own thread and stops soon after the task is cancelled,
    /// in which case the domain keeps running.
    ///
    /// A guest whose behaviour is `refuseAck` fails with `failedToAcknowledgeSuspendRequest`,
    /// one that is `ackButHang` with `failedToSuspend`: suspending needs the guest's help.
    public func save(vm: String, to fd: Int32, live: Bool) async throws {
        try await begin(.save, vm: vm, detail: live ? "live" : nil)
        let snapshot: SimulatedDomain = try state.withLock { s in
            let d = try Self.guest(s, vm, for: .save)
            guard d.state == .running || d.state == .paused else {
                throw BackendError.failed(
                    operation: "save", code: Code.invalid,
                    detail: "domain \(d.domid) of VM \(vm) has already shut down (\(d.state)) and cannot be saved",
                    remedy: "Destroy the domain and start the VM again.")
            }
            switch s.behaviour(for: vm) {
            case .cooperative: return d
            case .refuseAck: throw BackendError.xenops(.failedToAcknowledgeSuspendRequest)
            case .ackButHang: throw BackendError.xenops(.failedToSuspend(vm: vm, timeout: 0))
            }
        }
        let image = SaveImage(uuid: vm, domain: snapshot, memory: SaveImage.syntheticMemory(for: snapshot))
        let bytes = try image.encoded()
        do {
            try await BlockingThread.run { flag in try DescriptorIO.writeAll(bytes, to: fd, flag: flag) }
        } catch SaveImageError.cancelled {
            throw BackendError.cancelled(operation: "save")
        } catch {
            throw BackendError.failed(
                operation: "save", code: Code.fail, detail: "writing the save image of VM \(vm) failed: \(error)",
                remedy: "Check that the destination (file, pipe or socket) is open for writing and being read.")
        }
        try await commit { s, fx in
            guard let d = s.world.domains[vm], d.domid == snapshot.domid, d.state == .running || d.state == .paused else {
                throw BackendError.failed(
                    operation: "save", code: Code.fail,
                    detail: "domain \(snapshot.domid) of VM \(vm) shut down or disappeared while it was being saved",
                    remedy: "The image written is not usable; start the VM again.")
            }
            s.console.append("simulator: saved domain \(d.domid) (\(bytes.count) bytes\(live ? ", live" : ""))")
            shutDown(vm, reason: .suspend, cause: "saved", in: &s, &fx)
        }
    }

    /// Reads and validates a ``SaveImage`` from `fd` (exactly its length, so a socket can be
    /// reused afterwards), then creates a paused domain for `spec` with a new domid, the spec's
    /// devices, and the vCPUs, memory target and `vm-data` recorded in the image. The image may
    /// come from another uuid (migration renames the VM).
    public func restore(_ spec: DomainSpec, from fd: Int32) async throws -> DomainInfo {
        let vm = spec.vm.id
        try await begin(.restore, vm: vm)
        // Fail fast, before consuming the stream, when the domain could never be built.
        try state.withLock { s in
            if vm == Self.dom0UUID || s.world.domains[vm] != nil {
                throw BackendError.xenops(.alreadyExists(namespace: "domain", path: vm))
            }
        }
        let image: SaveImage
        do {
            image = try await BlockingThread.run { flag in
                var reader = DescriptorIO.Reader(fd: fd, flag: flag)
                return try SaveImage.read(from: &reader)
            }
        } catch SaveImageError.cancelled {
            throw BackendError.cancelled(operation: "restore")
        } catch {
            throw BackendError.failed(
                operation: "restore", code: Code.fail, detail: "the save image for VM \(vm) is invalid: \(error)",
                remedy: "The stream was not written by the simulator's save or was damaged; save the VM again.")
        }
        return try await commit { s, fx in
            var d = try build(spec, in: &s, for: .restore)
            d.vcpusOnline = min(max(1, image.domain.vcpusOnline), d.vcpusMax)
            d.memoryTarget = min(max(0, image.domain.memoryTarget), d.memoryMax)
            d.memoryActual = d.memoryTarget
            d.xsdata.merge(image.domain.xsdata) { _, saved in saved }
            s.world.domains[vm] = d
            s.console.append("simulator: restored domain \(d.domid) (\(vm)) from the image of \(image.uuid) (\(image.memory.count) bytes of memory), paused")
            fx.events.append(.domainChanged(vm: vm))
            return d.info
        }
    }
}

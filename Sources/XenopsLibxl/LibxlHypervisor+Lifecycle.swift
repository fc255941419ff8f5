import CXenLight
import Foundation
import Glibc
import XenopsBackend
import XenopsCore

extension LibxlHypervisor {
    /// Builds the libxl configuration, checks memory, creates the domain with
    /// `libxl_domain_create_new` (asynchronous, abortable), stores our record and arms the
    /// watches. libxl leaves a new domain paused, as VM.start wants. On failure libxl has
    /// destroyed the domain; a failure after that destroys it here.
    public func createDomain(_ spec: DomainSpec) async throws -> DomainInfo {
        try await create(spec, operation: "createDomain", restoreFrom: nil)
    }

    /// Creates a domain from libxl's save stream in `fd` (`libxl_domain_create_restore`,
    /// stream version 2). The configuration comes from `spec`, not the stream; the domain is
    /// left paused.
    public func restore(_ spec: DomainSpec, from fd: Int32) async throws -> DomainInfo {
        try await create(spec, operation: "restore", restoreFrom: fd)
    }

    func create(_ spec: DomainSpec, operation: String, restoreFrom fd: Int32?) async throws -> DomainInfo {
        let vm = spec.vm.id
        let ctx = self.ctx
        if let existing = try await call(operation, vm: vm, { try Self.find(vm, in: Self.listDomains(ctx)) }), !existing.dying {
            throw BackendError.xenops(.alreadyExists(namespace: "domain", path: vm))
        }
        let name = try await uniqueName(for: spec.vm)
        let box: DomainConfigBox
        do throws(TranslationError) { box = try builder.build(spec, domainName: name) } catch {
            throw error.backendError(operation: operation)
        }
        let needed = try await checkMemory(box, vm: vm, operation: operation)
        if let fd { try Self.prepareStreamFD(fd, operation: operation) }

        let function = fd == nil ? "libxl_domain_create_new" : "libxl_domain_create_restore"
        try await runAsync(operation, function: function, vm: vm, keepAlive: box, neededBytes: needed, domid: { box.domid.pointee }) { how in
            if let fd {
                var params = libxl_domain_restore_params()
                libxl_domain_restore_params_init(&params)
                params.stream_version = 2
                defer { libxl_domain_restore_params_dispose(&params) }
                return libxl_domain_create_restore(ctx.raw, box.pointer, box.domid, fd, -1, &params, how, nil)
            }
            return libxl_domain_create_new(ctx.raw, box.pointer, box.domid, how, nil)
        }
        let domid = box.domid.pointee
        logger.info("created domain \(domid) for VM \(vm) (\(name))\(fd == nil ? "" : " from a save stream"), paused")
        do {
            return try await call(operation, vm: vm) { [self] in
                let record = DomainRecord(spec: spec, vbdVdev: DomainConfigBuilder.vdev(of:), now: Date().timeIntervalSince1970)
                try store(record, domid: domid)
                try watch(domid: domid, record: record)
                if Self.needsHardPlacement(spec) { try Self.pinToPlacement(ctx, domid: domid) }
                guard let d = try Self.listDomains(ctx).first(where: { $0.domid == domid }) else {
                    throw LibxlError(function: "libxl_list_domain", rc: LibxlErrorCode.domainNotFound.rawValue, detail: "domain \(domid) vanished right after it was created")
                }
                continuation.yield(.domainChanged(vm: vm))
                return info(for: d)
            }
        } catch {
            logger.error("domain \(domid) of VM \(vm) could not be set up after creation; destroying it: \(error)")
            _ = try? await call(operation, vm: vm) { LibxlError.clearThreadMessage(); return libxl_domain_destroy(ctx.raw, domid, nil) }
            throw error
        }
    }

    /// Fails with `Not_enough_memory` unless the host has the memory the domain needs
    /// (`libxl_domain_need_memory` against `libxl_get_free_memory`). Returns the bytes needed.
    /// This daemon does not balloon dom0 down: give dom0 a fixed `dom0_mem`.
    func checkMemory(_ box: DomainConfigBox, vm: String, operation: String) async throws -> Int64 {
        let ctx = self.ctx
        let (need, free) = try await call(operation, vm: vm) { () throws -> (UInt64, UInt64) in
            var need: UInt64 = 0
            var free: UInt64 = 0
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_domain_need_memory(ctx.raw, box.pointer, CXL_INVALID_DOMID, &need), "libxl_domain_need_memory")
            try LibxlError.check(libxl_get_free_memory(ctx.raw, &free), "libxl_get_free_memory")
            return (need, free)
        }
        let needed = Int64(need) * 1024
        guard need <= free else {
            logger.warning("VM \(vm) needs \(need) KiB but the host has \(free) KiB free")
            throw BackendError.xenops(.notEnoughMemory(needed))
        }
        return needed
    }

    /// Save and restore fds must be blocking (libxl-notes §7), and close-on-exec: libxl forks
    /// helpers (the save helper, hotplug scripts, QEMU) and hands its helper a private dup of
    /// the stream fd, so any other copy that leaks into a child keeps a pipe or socket open
    /// and the other side never sees the end of the stream.
    static func prepareStreamFD(_ fd: Int32, operation: String) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else {
            throw BackendError.failed(operation: operation, code: Int(LibxlErrorCode.invalid.rawValue), detail: "fd \(fd) is not open (errno \(errno))", remedy: "Pass an open file, pipe or socket.")
        }
        if flags & O_NONBLOCK != 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        let fdFlags = fcntl(fd, F_GETFD)
        if fdFlags >= 0, fdFlags & FD_CLOEXEC == 0 { _ = fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC) }
    }

    public func pause(vm: String) async throws {
        let (d, _) = try await requireManaged(vm, for: "pause")
        let ctx = self.ctx
        try await call("pause", vm: vm) {
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_domain_pause(ctx.raw, d.domid, nil), "libxl_domain_pause", context: "domain \(d.domid)")
        }
        continuation.yield(.domainChanged(vm: vm))
    }

    public func unpause(vm: String) async throws {
        let (d, _) = try await requireManaged(vm, for: "unpause")
        let ctx = self.ctx
        try await call("unpause", vm: vm) {
            LibxlError.clearThreadMessage()
            try LibxlError.check(libxl_domain_unpause(ctx.raw, d.domid, nil), "libxl_domain_unpause", context: "domain \(d.domid)")
        }
        continuation.yield(.domainChanged(vm: vm))
    }

    /// Destroys the domain (`libxl_domain_destroy`): QEMU, backends, xenstore entries and our
    /// userdata go with it. Succeeds if there is no domain. The `.domainDied` event follows
    /// from libxl's death watch. Domains this daemon did not create are refused (unless dying).
    public func destroy(vm: String) async throws {
        let ctx = self.ctx
        guard let d = try await call("destroy", vm: vm, { try Self.find(vm, in: Self.listDomains(ctx)) }) else { return }
        if d.domid == 0 {
            throw BackendError.failed(operation: "destroy", code: Int(LibxlErrorCode.invalid.rawValue), detail: "domain 0 is the control domain", remedy: "Address a guest VM instead.")
        }
        if !d.dying {
            // Only our own domains are changed; a dying one is finished off whoever made it.
            _ = try await requireManaged(vm, for: "destroy")
        }
        let watched = state.withLock { $0.watches[d.domid] != nil }
        try await call("destroy", vm: vm) {
            LibxlError.clearThreadMessage()
            let rc = libxl_domain_destroy(ctx.raw, d.domid, nil)
            if rc == ERROR_DOMAIN_NOTFOUND.rawValue || rc == ERROR_DOMAIN_DESTROYED.rawValue { return }
            try LibxlError.check(rc, "libxl_domain_destroy", context: "domain \(d.domid)")
        }
        // The toolstack's private keys of the VM (VIF locking mode, trunks, PVS proxy) go with
        // the domain, as in xenopsd; libxl does not know them.
        _ = try? await call("destroy", vm: vm) { [xenstore] in xenstore.remove("/xapi/\(vm)") }
        // Xen frees a domain's memory after destroy returns; wait until it is no longer
        // listed (dying), so domainInfo reports no domain once destroy has returned.
        let deadline = ContinuousClock.now.advanced(by: configuration.destroyTimeout)
        while ContinuousClock.now < deadline {
            let listed = try await call("destroy", vm: vm) { try Self.listDomains(ctx).contains { $0.domid == d.domid } }
            if !listed || Task.isCancelled { break }
            try? await Task.sleep(for: configuration.pollInterval)
        }
        logger.info("destroyed domain \(d.domid) of VM \(vm)")
        // Without a death watch (it could not be armed), report the death ourselves.
        if !watched { continuation.yield(.domainDied(vm: vm, domid: Int(d.domid))) }
    }

    /// Suspends the domain into `fd` with libxl's save stream (`libxl_domain_suspend`, live if
    /// asked). The domain is left shut down with reason `suspend`. If the save fails or is
    /// cancelled, the guest is resumed (`libxl_domain_resume`), as xl does.
    public func save(vm: String, to fd: Int32, live: Bool) async throws {
        let (d, _) = try await requireManaged(vm, for: "save")
        guard !d.shutdown else {
            throw BackendError.failed(operation: "save", code: Int(LibxlErrorCode.invalid.rawValue),
                                      detail: "domain \(d.domid) of VM \(vm) has already shut down (\(d.shutdownReason.rawValue)) and cannot be saved",
                                      remedy: "Destroy the domain and start the VM again.")
        }
        try Self.prepareStreamFD(fd, operation: "save")
        let ctx = self.ctx
        try await waitUntilSuspendable(d, vm: vm)
        let flags: Int32 = live ? Int32(LIBXL_SUSPEND_LIVE) : 0
        do {
            try await runAsync("save", function: "libxl_domain_suspend", vm: vm, keepAlive: fd, domid: { d.domid }) { how in
                libxl_domain_suspend(ctx.raw, d.domid, fd, flags, how)
            }
        } catch {
            // Resume the guest if libxl got as far as suspending it (libxl does not undo that).
            let suspended = (try? await call("save", vm: vm) { try Self.listDomains(ctx).first { $0.domid == d.domid } })??
                .runState == .shutdown(.suspend)
            logger.warning("saving domain \(d.domid) of VM \(vm) failed\(suspended ? "; resuming it" : ""): \(error)")
            if suspended {
                _ = try? await call("save", vm: vm) { LibxlError.clearThreadMessage(); return libxl_domain_resume(ctx.raw, d.domid, 1, nil) }
            }
            if live, Self.isLogDirtyRefusal(error) {
                throw BackendError.unsupported(
                    operation: "live save", backend: "libxl",
                    reason: "Xen refused to track the dirty pages of domain \(d.domid) (log-dirty mode: \"\(error)\"); the guest was left running. This Xen cannot live-save or live-migrate it (a nested Xen or one built without shadow paging); a non-live save works")
            }
            throw error
        }
        logger.info("saved domain \(d.domid) of VM \(vm)\(live ? " (live)" : "")")
    }

    /// Whether a failed save failed because Xen refused log-dirty mode (libxc's "Failed to
    /// enable logdirty", EOPNOTSUPP), which libxl reports only as a guest timeout.
    static func isLogDirtyRefusal(_ error: any Error) -> Bool {
        "\(error)".contains("Failed to enable logdirty")
    }

    /// A PV or PVH guest can be suspended only once its kernel has set up its PV interfaces
    /// (until then libxl fails with "Bad mfn 0 for p2m frame list"). Linux announces it by
    /// writing `1` to `control/feature-suspend` (libxl creates the node empty): wait for that up to
    /// ``LibxlConfiguration/suspendReadinessTimeout``, then let libxl try anyway (older guests
    /// do not write it).
    func waitUntilSuspendable(_ d: DomainSnapshot, vm: String) async throws {
        let type = try await call("save", vm: vm) { [self] in record(for: d)?.type ?? d.type }
        guard type != .hvm, !d.paused else { return }
        let key = "/local/domain/\(d.domid)/control/feature-suspend"
        let deadline = ContinuousClock.now.advanced(by: configuration.suspendReadinessTimeout)
        while ContinuousClock.now < deadline {
            // libxl creates the node empty for the guest to fill in: wait for the guest's "1".
            if try await call("save", vm: vm, { [xenstore] in xenstore.read(key) == "1" }) { return }
            do { try await Task.sleep(for: configuration.pollInterval) } catch { throw BackendError.cancelled(operation: "save") }
        }
        logger.warning("domain \(d.domid) of VM \(vm) has not announced control/feature-suspend; trying to save it anyway")
    }
}

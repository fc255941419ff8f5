import CXenLight
import XenopsBackend
import XenopsCore

extension LibxlHypervisor {
    /// Finds the running domains this daemon created (those with our userdata), reloads their
    /// records and re-arms their watches, so events keep flowing after a daemon restart.
    func adoptDomains() async throws {
        let ctx = self.ctx
        let adopted = try await call("adopt domains") { [self] () throws -> [String] in
            var names: [String] = []
            for d in try Self.listDomains(ctx) where d.domid != 0 && !d.dying {
                guard let record = record(for: d) else { continue }
                try watch(domid: d.domid, record: record)
                names.append("\(d.domid) (\(d.uuid))")
            }
            return names
        }
        logger.info("libxl backend ready; adopted \(adopted.count) running domain(s)\(adopted.isEmpty ? "" : ": " + adopted.joined(separator: ", "))")
    }

    /// Enables the death watch (shutdown + death events) of a domain and the eject watch of
    /// each of its CD drives (HVM). Runs on a worker thread.
    func watch(domid: UInt32, record: DomainRecord) throws(LibxlError) {
        if state.withLock({ $0.watches[domid]?.death != nil }) { return }
        var evgen: OpaquePointer?
        LibxlError.clearThreadMessage()
        try LibxlError.check(libxl_evenable_domain_death(ctx.raw, domid, UInt64(domid), &evgen), "libxl_evenable_domain_death", context: "domain \(domid)")
        state.withLock {
            $0.watches[domid, default: DomainWatches()].death = evgen
            $0.watchedVMs[domid] = record.vm
        }
        if record.type == .hvm {
            for vbd in record.vbds.values where vbd.cdrom { try watchEject(domid: domid, vdev: vbd.vdev) }
        }
    }

    /// Enables the disk-eject watch of one CD drive. Runs on a worker thread.
    func watchEject(domid: UInt32, vdev: String) throws(LibxlError) {
        if state.withLock({ $0.watches[domid]?.ejects[vdev] != nil }) { return }
        var evgen: OpaquePointer?
        LibxlError.clearThreadMessage()
        try LibxlError.check(libxl_evenable_disk_eject(ctx.raw, domid, vdev, UInt64(domid), &evgen), "libxl_evenable_disk_eject", context: "\(vdev) of domain \(domid)")
        if let evgen { state.withLock { $0.watches[domid, default: DomainWatches()].ejects[vdev] = evgen } }
    }

    /// Disables the eject watch of one drive. Runs on a worker thread.
    func unwatchEject(domid: UInt32, vdev: String) {
        let evgen = state.withLock { $0.watches[domid]?.ejects.removeValue(forKey: vdev) }
        if let evgen { libxl_evdisable_disk_eject(ctx.raw, evgen) }
    }

    /// Disables every watch of a domain and forgets its record. Runs on a worker thread.
    func unwatch(domid: UInt32) {
        let w = state.withLock { s in
            s.records[domid] = nil
            s.watchedVMs[domid] = nil
            return s.watches.removeValue(forKey: domid)
        }
        guard let w else { return }
        for evgen in w.ejects.values { libxl_evdisable_disk_eject(ctx.raw, evgen) }
        if let death = w.death { libxl_evdisable_domain_death(ctx.raw, death) }
    }

    /// The VM an event is about: its uuid, or (for a death, which libxl reports without one)
    /// the VM we watched under that domid.
    func vm(of domid: UInt32, uuid: String) -> String {
        guard uuid == Self.nilUUID else { return uuid }
        return state.withLock { $0.watchedVMs[domid] } ?? uuid
    }

    static let nilUUID = "00000000-0000-0000-0000-000000000000"

    /// Turns one libxl event into backend events (and finishes a guest-initiated eject).
    func handle(_ event: LibxlEvent) async {
        switch event {
        case .domainShutdown(let domid, let eventUUID, let reason):
            let uuid = vm(of: domid, uuid: eventUUID)
            logger.info("domain \(domid) (\(uuid)) shut down: \(reason.rawValue)")
            continuation.yield(.domainShutdown(vm: uuid, domid: Int(domid), reason: reason))
        case .domainDeath(let domid, let eventUUID):
            let uuid = vm(of: domid, uuid: eventUUID)
            logger.info("domain \(domid) (\(uuid)) died")
            _ = pool.submit("unwatch") { [self] in unwatch(domid: domid) }
            continuation.yield(.domainDied(vm: uuid, domid: Int(domid)))
        case .diskEject(let domid, let eventUUID, let vdev):
            await guestEjected(domid: domid, uuid: vm(of: domid, uuid: eventUUID), vdev: vdev)
        case .disaster(let message, let errno):
            logger.critical("libxl lost events (\(message), errno \(errno)); the daemon should be restarted")
        case .other(let type, let domid):
            logger.debug("ignored libxl event type \(type) for domain \(domid)")
        }
    }

    /// The guest ejected a CD: complete it with an empty `libxl_cdrom_insert`, as xl does,
    /// update our record and report the device change.
    func guestEjected(domid: UInt32, uuid: String, vdev: String) async {
        let ctx = self.ctx
        do {
            let name: String? = try await pool.run("guest eject") { [self] in
                guard let d = try Self.listDomains(ctx).first(where: { $0.domid == domid }), let record = record(for: d) else { return nil }
                let disk = LibxlValue.disk()
                Self.fillMedia(&disk.pointer.pointee, vdev: vdev, path: nil)
                LibxlError.clearThreadMessage()
                try LibxlError.check(libxl_cdrom_insert(ctx.raw, domid, disk.pointer, nil), "libxl_cdrom_insert", context: "eject \(vdev) of domain \(domid)")
                guard let name = record.vbdName(vdev: vdev) else { return nil }
                try update(d) { $0.vbds[name]?.media = nil }
                return name
            }
            logger.info("guest of domain \(domid) (\(uuid)) ejected the media of \(vdev)")
            if let name { continuation.yield(.deviceChanged(vm: uuid, device: .vbd(DeviceID(vm: uuid, name: name)))) }
        } catch {
            logger.error("completing the guest's eject of \(vdev) in domain \(domid) failed: \(error)")
        }
    }
}

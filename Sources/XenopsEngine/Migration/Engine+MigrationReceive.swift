import Foundation
import XenopsBackend
import XenopsCore

/// The engine's steps of a migration receive (``MigrationReceiver`` runs them in order).
extension XenopsEngine {
    /// What must hold before sync point 1, when refusing still costs nothing: the temporary VM
    /// was imported and has no domain, the backend can rename domains, the stream is one this
    /// daemon can read, and the host has the memory the source asked for.
    func checkCanReceive(_ request: MigrationReceiveRequest) async throws -> any DomainRenaming {
        let id = request.vmID
        let record = try record(id)
        if request.compressed {
            // zstd stream decompression is issue #8's; refuse before any memory is sent.
            throw XenopsError.unimplemented("receiving a zstd-compressed migration stream (compress cookie); migrate without compression")
        }
        guard let renamer = backend as? any DomainRenaming else {
            throw BackendError.unsupported(operation: "VM.migrate (receive)", backend: backend.kind, reason: "the backend cannot rename a domain to the VM's uuid at sync point 3")
        }
        let info = try await backendCall { try await backend.domainInfo(vm: id) }
        let power = powerState(of: record, domain: info)
        guard info == nil, power == .halted else {
            throw XenopsError.badPowerState(found: power, expected: .halted)
        }
        // The final id is not checked here: on a localhost migration it is the source VM,
        // which the source renames away before sync point 3 (checked then).
        if let limit = request.memoryLimit {
            let free = try await backendCall { try await backend.freeMemoryBytes() }
            if free < limit { throw XenopsError.notEnoughMemory(limit) }
        }
        return renamer
    }

    /// Restores the temporary VM's domain from the memory stream (left paused). The domain
    /// is built from the imported metadata; the stream carries its memory and CPU state.
    func restoreIncoming(_ id: String, from descriptor: Int32) async throws {
        let spec = try domainSpec(id)
        _ = try await backendCall { try await backend.restore(spec, from: descriptor) }
        live.withLock { l in
            l.keptAfterShutdown.remove(id)
            l.xsdataState[id] = spec.vm.xsdata
        }
        updates.signal(.vm(id))
    }

    /// Sync point 3: the VM takes its real uuid (``renameVM(_:to:renamer:)``), runs, and the
    /// `vm-post-migrate` hook is called (reason `destination`). If a
    /// step fails the domain is destroyed and neither VM is left, so the store agrees with the
    /// hypervisor.
    func completeIncoming(_ id: String, as finalID: String, renamer: any DomainRenaming) async throws {
        var current = id
        do {
            if finalID != id {
                if live.withLock({ $0.records[finalID] != nil }) {
                    throw XenopsError.alreadyExists(namespace: "VM", path: "\(finalID)/config")
                }
                try await renameVM(id, to: finalID, renamer: renamer)
                current = finalID
            }
            if let record = updateRecord(finalID, { $0.runtime.lastStartTime = Date().timeIntervalSince1970; $0.runtime.suspendImage = nil }) {
                try await persister.setRuntime(record)
            }
            // Devices came with the domain (restore builds them from the metadata); their VIF
            // settings are applied under the final uuid (the keys and rules name it). What is
            // left is to let the guest run and forget any shutdown the source had pending.
            try await applyVIFSettingsAtPlug(vm: finalID, try domainSpec(finalID).vifs)
            try await backendCall { try await backend.unpause(vm: finalID) }
            live.withLock { l in
                l.keptAfterShutdown.remove(finalID)
                l.rebooting.remove(finalID)
            }
            signalAll(finalID)
            // As xenopsd: the hook runs on the running VM, and its failure fails the receive.
            try await runHook(.vmPostMigrate, vm: finalID, reason: .migrateDestination)
        } catch {
            await discardIncoming(current)
            throw error
        }
    }

    /// Gives VM `from` the id `to`: its domain first, then the store (one transaction: the
    /// store never holds both), then the in-memory view and UPDATES (xenopsd's `VM_rename`).
    /// If the store cannot be written the domain is renamed back, so the two never disagree.
    func renameVM(_ from: String, to: String, renamer: any DomainRenaming) async throws {
        let record = Self.renamed(try record(from), to: to)
        try await backendCall { try await renamer.renameDomain(vm: from, to: to) }
        do {
            try await persister.replace(removing: from, with: record)
        } catch {
            try? await renamer.renameDomain(vm: to, to: from)
            throw error
        }
        live.withLock { l in
            l.records[from] = nil
            l.records[to] = record
            if let xsdata = l.xsdataState.removeValue(forKey: from) { l.xsdataState[to] = xsdata }
            if l.keptAfterShutdown.remove(from) != nil { l.keptAfterShutdown.insert(to) }
        }
        updates.removeVM(from)
        updates.signal(record.allIDs)
        logger.debug("renamed VM \(from) to \(to)")
    }

    /// Destroys the domain the receive built (if any) and forgets the VM `id`, so nothing of
    /// a failed migration stays on this host. Best effort: failures are logged.
    func discardIncoming(_ id: String) async {
        let backend = self.backend
        // A fresh task: the receive's own may be cancelled, and cleanup must still run.
        let cleanup = Task { [self] in
            do {
                if try await backend.domainInfo(vm: id) != nil { try await backend.destroy(vm: id) }
            } catch {
                logger.error("migration cleanup: could not destroy the domain of VM \(id): \(error)")
            }
            guard live.withLock({ $0.records[id] != nil }) else { return }
            do { try await persister.remove(id) } catch {
                logger.error("migration cleanup: could not remove VM \(id) from the store: \(error)")
                return
            }
            live.withLock { l in
                l.records[id] = nil
                l.xsdataState[id] = nil
                l.keptAfterShutdown.remove(id)
            }
            updates.removeVM(id)
        }
        _ = await cleanup.result
    }

    /// The record with every reference to its own uuid changed to `newID`.
    static func renamed(_ record: VMRecord, to newID: String) -> VMRecord {
        var metadata = record.metadata
        metadata.vm.id = newID
        for i in metadata.vbds.indices { metadata.vbds[i].id.vm = newID }
        for i in metadata.vifs.indices { metadata.vifs[i].id.vm = newID }
        for i in metadata.pcis.indices { metadata.pcis[i].id.vm = newID }
        for i in metadata.vgpus.indices { metadata.vgpus[i].id.vm = newID }
        for i in metadata.vusbs.indices { metadata.vusbs[i].id.vm = newID }
        var renamed = VMRecord(metadata: metadata)
        renamed.runtime = record.runtime
        return renamed
    }
}

import Foundation
import XenopsBackend
import XenopsCore

/// The source side of a live migration (xenopsd's `VM_migrate`, §4.6): the steps in order,
/// and what is undone when a step before sync point 3 fails.
extension XenopsEngine {
    /// `VM.migrate`: queues the migration of VM `id` to the daemon at `request.xenopsURL` as a
    /// task on the VM's queue (so it runs after, and before, the VM's other operations) and
    /// returns the task id. See Docs/migration.md.
    public func migrateVM(_ id: String, _ request: MigrateRequest, debugInfo: String) -> String {
        let taskID = tasks.create(debugInfo: debugInfo)
        logger.info("queued VM.migrate of VM \(id) to \(MigrationURL.redacted(request.xenopsURL)) as task \(taskID)")
        queues.submit(vm: id) { [self] in
            await runAsTask(taskID, vm: id, name: "VM.migrate") { [self] in
                try await sendMigration(id, request, taskID: taskID, debugInfo: debugInfo)
            }
        }
        return taskID
    }

    /// One outgoing migration, from the checks to the destruction of the source's domain.
    func sendMigration(_ id: String, _ request: MigrateRequest, taskID: String, debugInfo: String) async throws {
        let plan = try await checkCanMigrate(id, request)
        let out = OutgoingMigration(engine: self, plan: plan, request: request, taskID: taskID, debugInfo: debugInfo)
        try tasks.checkCancelling(taskID)
        // Before anything is sent: a failing script fails the migration with Hook_failed and
        // the VM stays where it is.
        // (No cancellation point of its own: the set-cancel-trigger points stay those of the
        // protocol; cancelling the task kills the script.)
        try await runHook(.vmPreMigrate, vm: id, reason: .migrateSource)
        try await out.run()
    }

    /// What must hold before anything is sent: the VM runs, its id is a uuid (the temporary
    /// ids are made from it), the backend can rename and un-suspend domains, and the options
    /// asked for are ones this daemon supports.
    func checkCanMigrate(_ id: String, _ request: MigrateRequest) async throws -> OutgoingMigration.Plan {
        let record = try record(id)
        let tmpSource = MigrateRequest.temporaryID(of: id, destination: false)
        let tmpDestination = MigrateRequest.temporaryID(of: id, destination: true)
        guard id.utf8.count >= 36, id != tmpSource, id != tmpDestination else {
            throw XenopsError.internalError("VM.migrate: VM id \"\(id.prefix(40))\" is not a uuid (or is itself a migration's temporary id); the temporary ids of a migration are made from the VM's uuid")
        }
        let info = try await backendCall { try await backend.domainInfo(vm: id) }
        let power = powerState(of: record, domain: info)
        guard let info, power == .running || power == .paused else {
            throw XenopsError.badPowerState(found: power, expected: .running)
        }
        guard let renamer = backend as? any DomainRenaming, let resumer = backend as? any SuspendCancelling else {
            throw BackendError.unsupported(operation: "VM.migrate", backend: backend.kind, reason: "the backend cannot rename a domain or resume a saved one, which a migration needs to leave the VM running if it fails")
        }
        guard let connector = configuration.migrationConnector else {
            throw XenopsError.unimplemented("VM.migrate (this daemon was started without a migration transport)")
        }
        if request.compress {
            throw XenopsError.unimplemented("VM.migrate with compress=true (zstd stream compression); migrate with compression off")
        }
        if ["true", "1"].contains(record.vm.platformdata["nomigrate"] ?? "") {
            throw XenopsError.internalError("VM.migrate: VM \(id) has platform:nomigrate set and must not be migrated; clear it and restart the VM first")
        }
        if live.withLock({ $0.records[tmpSource] != nil }) {
            throw XenopsError.alreadyExists(namespace: "VM", path: "\(tmpSource)/config")
        }
        return OutgoingMigration.Plan(
            id: id, tmpSource: tmpSource, tmpDestination: tmpDestination, metadata: record.metadata,
            wasPaused: info.state == .paused, memoryLimit: info.memoryMax, memoryActual: info.memoryActual,
            renamer: renamer, resumer: resumer, connector: connector)
    }

    /// Destroys the domain of `id` and forgets the VM (the source's last step, after the
    /// destination has the VM). Runs even if the task was cancelled.
    func destroyAndForget(_ id: String) async throws {
        let backend = self.backend
        try await backendCall { try await backend.destroy(vm: id) }
        if live.withLock({ $0.records[id] != nil }) { try await forgetVM(id) }
    }
}

import Foundation
import Synchronization
import XenopsBackend
import XenopsCore

/// One migration leaving this host, step by step (§4.6, source side):
///
/// 1. `Remote.VM.import_metadata` of the mapped metadata under the destination's temporary id;
/// 2. the control connection `…/migrate/vm/<tmp dest>` and its answer (sync point 1);
/// 3. the memory connection `…/migrate/mem/<tmp dest>`, its answer (1-mem) and our ACK;
/// 4. the live save into the memory connection, then the VM renamed to the source's
///    temporary id (sync point 2);
/// 5. Success on the control connection (sync point 3): from here the VM belongs to the
///    destination, whatever happens;
/// 6. the destination's Success (sync point 4), then the source's domain destroyed and the
///    VM forgotten.
///
/// **Exactly once.** A failure or a `Task.cancel` before sync point 3 closes the connections
/// (the destination then throws away what it built), renames the VM back, resumes the saved
/// domain (paused again if it was paused) and asks the destination to forget the temporary
/// VM: the VM keeps running here. After sync point 3 nothing is undone.
final class OutgoingMigration: Sendable {
    /// What ``XenopsEngine/checkCanMigrate(_:_:)`` established.
    struct Plan: Sendable {
        var id: String
        var tmpSource: String
        var tmpDestination: String
        var metadata: Metadata
        var wasPaused: Bool
        var memoryLimit: Int64
        var memoryActual: Int64
        var renamer: any DomainRenaming
        var resumer: any SuspendCancelling
        var connector: any MigrationConnector
    }

    /// How far the migration got, for the undo.
    private struct Progress {
        var imported = false
        var control: (any MigrationConnection)?
        var memory: (any MigrationConnection)?
        var saveStarted = false
        var renamed = false
    }

    let engine: XenopsEngine
    let plan: Plan
    let request: MigrateRequest
    let taskID: String
    let debugInfo: String
    private let progress = Mutex(Progress())

    init(engine: XenopsEngine, plan: Plan, request: MigrateRequest, taskID: String, debugInfo: String) {
        self.engine = engine
        self.plan = plan
        self.request = request
        self.taskID = taskID
        self.debugInfo = debugInfo
    }

    private var id: String { plan.id }
    private var url: String { request.xenopsURL }
    private var tasks: TaskRegistry { engine.tasks }
    private var timeouts: MigrationTimeouts { engine.configuration.migrationTimeouts }

    func run() async throws {
        let log = engine.logger
        log.info("VM.migrate \(id) -> \(MigrationURL.redacted(url)): destination id \(plan.tmpDestination), source id while migrating \(plan.tmpSource)")
        do {
            try await handOver()
        } catch {
            let failure = engine.xenopsError(error, task: taskID)
            log.warning("VM.migrate of VM \(id) failed before sync point 3: \(failure.message); leaving the VM running on this host")
            // A fresh task: the migration's own may be cancelled, and the undo must still run.
            let undo = Task { await self.undo() }
            await undo.value
            throw error
        }
        // Sync point 3 is sent: the destination owns the VM. Nothing below may be cancelled.
        let finish = Task { try await self.finish() }
        try await finish.value
    }

    /// Steps 1–5. Every failure here is undone by ``undo()``.
    private func handOver() async throws {
        let connector = plan.connector
        let metadata = plan.metadata.remapped(for: request).jsonText(replacing: id, with: plan.tmpDestination)
        let answer = try await withDeadline(timeouts.remoteCall, "VM.import_metadata on \(MigrationURL.redacted(url))") { [url, debugInfo] in
            try await connector.call(url: url, method: "VM.import_metadata", params: [
                JSONMember("debug_info", .string(debugInfo)), JSONMember("metadata", .string(metadata)),
            ])
        }
        progress.withLock { $0.imported = true }
        guard case .string(let imported) = answer, imported == plan.tmpDestination else {
            throw XenopsError.internalError("VM.migrate: the destination imported the metadata as \(answer.jsonString.prefix(80)), not as the temporary VM \(plan.tmpDestination)")
        }
        tasks.setProgress(taskID, 0.05)
        try tasks.checkCancelling(taskID)

        var cookies: [(String, String)] = [
            ("instance_id", engine.instanceID), ("final_id", id), ("dbg", DebugInfo(debugInfo).log),
            ("mem_migration", Self.memMigrationVersion),
        ]
        if request.compress { cookies.append(("compress", "zstd")) }
        let control = try await open("/migrate/vm/", cookies + [
            ("memory_limit", String(plan.memoryLimit)), ("memory_total_source", String(plan.memoryActual)),
        ])
        progress.withLock { $0.control = control }
        try await expectSuccess(on: control, at: "sync point 1")
        engine.logger.debug("VM.migrate \(id): synchronisation point 1")
        tasks.setProgress(taskID, 0.1)
        try tasks.checkCancelling(taskID)

        let memory = try await open("/migrate/mem/", cookies)
        progress.withLock { $0.memory = memory }
        try await expectSuccess(on: memory, at: "sync point 1-mem")
        try await control.send(.success)
        engine.logger.debug("VM.migrate \(id): synchronisation point 1-mem ACK")
        tasks.setProgress(taskID, 0.15)
        try tasks.checkCancelling(taskID)

        progress.withLock { $0.saveStarted = true }
        let backend = engine.backend
        let vm = id
        try await engine.backendCall { try await backend.save(vm: vm, to: memory.descriptor, live: true) }
        // The stream is self-delimiting; closing tells the destination's memory handler it is done.
        memory.close()
        tasks.setProgress(taskID, 0.85)
        try tasks.checkCancelling(taskID)
        try await engine.renameVM(id, to: plan.tmpSource, renamer: plan.renamer)
        progress.withLock { $0.renamed = true }
        engine.logger.debug("VM.migrate \(id): synchronisation point 2")
        tasks.setProgress(taskID, 0.9)

        // The last moment a cancel is honoured.
        try tasks.checkCancelling(taskID)
        tasks.prohibitCancellation(taskID)
        try await control.send(.success)
        engine.logger.debug("VM.migrate \(id): synchronisation point 3")
    }

    /// Step 6: waits for the destination's last word, then destroys the source's domain and
    /// forgets the VM. The task fails if the destination reported an error (the VM is then
    /// the destination's to recover: it had it from sync point 3).
    private func finish() async throws {
        let control = progress.withLock { $0.control }
        var destinationFailure: XenopsError?
        do {
            if let control { try await expectSuccess(on: control, at: "sync point 4", timeout: timeouts.finish) }
            engine.logger.debug("VM.migrate \(id): synchronisation point 4")
        } catch {
            destinationFailure = engine.xenopsError(error)
            engine.logger.error("VM.migrate \(id): the destination did not confirm sync point 4: \(destinationFailure!.message); the VM was handed over at sync point 3 and is cleaned up here")
        }
        control?.close()
        tasks.setProgress(taskID, 0.95)
        // xenopsd runs the shutdown hooks around the destruction of the source's domain. The VM
        // already runs on the destination, so a failing script must not leave a stale domain
        // here: the clean-up goes on and the script's failure is reported at the end.
        var hookFailure: XenopsError?
        do { try await engine.runHook(.vmPreShutdown, vm: id, reason: .suspend) } catch { hookFailure = error }
        do {
            try await engine.destroyAndForget(plan.tmpSource)
        } catch {
            let failure = engine.xenopsError(error)
            engine.logger.error("VM.migrate \(id): could not clean up the source's domain \(plan.tmpSource): \(failure.message)")
            throw XenopsError.internalError("VM.migrate: VM \(id) moved to the destination, but its old domain here (now \(plan.tmpSource)) could not be destroyed: \(failure.message). Destroy it with VM.shutdown and remove it with VM.remove.")
        }
        do { try await engine.runHook(.vmPostDestroy, vm: id, reason: .suspend) } catch { hookFailure = hookFailure ?? error }
        if let destinationFailure {
            throw XenopsError.internalError("VM.migrate: VM \(id) was handed to the destination at sync point 3, but the destination then failed: \(destinationFailure.message)")
        }
        if let hookFailure {
            engine.logger.error("VM.migrate \(id): the VM moved to the destination and the source is cleaned up, but a hook script failed: \(hookFailure.message)")
            throw hookFailure
        }
        engine.logger.info("VM.migrate \(id): done; the VM now runs on \(MigrationURL.redacted(url))")
    }

    /// Puts everything back after a failure before sync point 3 (best effort, each step logged).
    private func undo() async {
        let state = progress.withLock { $0 }
        let log = engine.logger
        // The destination sees the connections close and throws away what it built.
        state.memory?.close()
        state.control?.close()
        if state.renamed {
            do { try await engine.renameVM(plan.tmpSource, to: id, renamer: plan.renamer) } catch {
                log.error("VM.migrate \(id): could not rename \(plan.tmpSource) back to \(id): \(engine.xenopsError(error).message)")
            }
        }
        if state.saveStarted {
            await resumeIfSaved()
        }
        if state.imported {
            // The destination's receive forgets the temporary VM when it sees the connections
            // close; when it never got that far (refused at sync point 1, or never contacted)
            // nobody else will.
            let connector = plan.connector
            do {
                _ = try await withDeadline(timeouts.remoteCall, "VM.remove on the destination") { [url, debugInfo, tmp = plan.tmpDestination] in
                    try await connector.call(url: url, method: "VM.remove", params: [
                        JSONMember("debug_info", .string(debugInfo)), JSONMember("id", .string(tmp)),
                    ])
                }
            } catch {
                log.debug("VM.migrate \(id): the destination did not remove the temporary VM \(plan.tmpDestination) (its receive may be doing it): \(engine.xenopsError(error).message)")
            }
        }
        engine.signalAll(id)
    }

    /// Resumes the domain if the save got as far as suspending it, and pauses it again if the
    /// VM was paused before the migration.
    private func resumeIfSaved() async {
        let backend = engine.backend
        let vm = id
        do {
            guard let info = try await backend.domainInfo(vm: vm) else {
                engine.logger.error("VM.migrate \(vm): the domain is gone after the failed migration; the VM is halted")
                return
            }
            guard case .shutdown(.suspend) = info.state else { return }
            try await plan.resumer.resumeSuspended(vm: vm)
            if plan.wasPaused { try await backend.pause(vm: vm) }
            engine.logger.info("VM.migrate \(vm): resumed the domain on this host")
        } catch {
            engine.logger.error("VM.migrate \(vm): could not resume the saved domain: \(engine.xenopsError(error).message)")
        }
    }

    /// Opens one migration connection.
    /// (The connector bounds the connect itself and names the URL when it fails.)
    private func open(_ path: String, _ cookies: [(String, String)]) async throws -> any MigrationConnection {
        try await plan.connector.openStream(url: url, pathSuffix: path + plan.tmpDestination, cookies: cookies)
    }

    /// Reads one handshake frame; the destination's error (the JSON of an `Errors.error`) is
    /// thrown as that error, as xenopsd's source raises it.
    private func expectSuccess(on stream: any MigrationStream, at point: String, timeout: Duration? = nil) async throws {
        let frame: MigrationHandshake
        do {
            frame = try await withDeadline(timeout ?? timeouts.handshake, "the destination's answer at \(point)") {
                try await stream.receiveFrame()
            }
        } catch let error as XenopsError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw XenopsError.internalError("VM.migrate: the destination closed or broke the connection before \(point): \(error)")
        }
        if let failure = frame.peerError {
            engine.logger.warning("VM.migrate \(id): the destination reported an error at \(point): \(failure.message)")
            throw failure
        }
    }

    /// The `mem_migration` cookie's value (xenopsd sends its version; receivers only test that
    /// the cookie is there).
    static let memMigrationVersion = "xenopsd-ng-1"
}

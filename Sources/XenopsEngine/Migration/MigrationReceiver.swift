import Logging
import XenopsBackend
import XenopsCore

/// The destination side of a migration (xenopsd's `VM_receive_memory` and `receive_mem`):
/// the handlers every transport routes `…/migrate/vm/<id>`, `…/memory/<id>` and
/// `…/migrate/mem/<id>` connections to.
///
/// A receive runs as a task (listed by `Task.list`, cancellable until sync point 3) in its
/// own Swift task, outside the per-VM queues and their worker limit: a VM being received
/// neither waits behind nor holds up other VMs' work. See Docs/migration.md for the protocol.
public final class MigrationReceiver: Sendable {
    let engine: XenopsEngine
    let rendezvous = MemoryRendezvous()
    /// How long the receive waits for the memory connection after sync point 1.
    let memoryTimeout: Duration
    var logger: Logger { engine.logger }

    /// - Parameter memoryTimeout: How long to wait for the source's memory connection (and
    ///   its 1-mem ACK) after sync point 1 before giving up.
    public init(engine: XenopsEngine, memoryTimeout: Duration = .seconds(60)) {
        self.engine = engine
        self.memoryTimeout = memoryTimeout
    }

    /// Serves the control connection of an incoming migration until it has finished or
    /// failed; the caller closes the connection afterwards. Never throws: every failure is
    /// reported to the source as an error frame and fails the task.
    /// - Returns: The id of the task that ran the receive, or nil if it was refused at once.
    @discardableResult
    public func receive(_ request: MigrationReceiveRequest, control: any MigrationStream) async -> String? {
        let id = request.vmID
        guard rendezvous.open(id) else {
            let error = XenopsError.internalError("a migration into VM \(id) is already being received; wait for it to finish")
            logger.warning("refused a second migration connection for VM \(id)")
            await tell(control, .failure(error))
            return nil
        }
        defer { rendezvous.close(id) }
        let taskID = engine.tasks.create(debugInfo: request.debugInfo)
        logger.info("receiving VM \(id) as \(request.finalID) (task \(taskID), memory on \(request.separateMemoryConnection ? "its own connection" : "the control connection")\(request.sourceInstance.map { ", source instance \($0)" } ?? ""))")
        await engine.runAsTask(taskID, vm: id, name: "VM.receive_memory") { [self] in
            try await run(request, control: control, taskID: taskID)
        }
        return taskID
    }

    /// Serves a memory connection (`…/migrate/mem/<id>`): hands it to the receive of `vmID`,
    /// answers Success (sync point 1-mem) and waits until the receive is done with it.
    public func acceptMemory(vmID: String, stream: any MigrationStream) async {
        guard rendezvous.offer(vmID, stream) else {
            logger.warning("memory connection for VM \(vmID), which is not being received: refused")
            let error = XenopsError.doesNotExist(namespace: "migration", path: vmID)
            await tell(stream, .failure(error))
            return
        }
        await tell(stream, .success)
        await rendezvous.waitUntilReleased(vmID, stream)
    }

    /// The protocol, step by step (§4.6). Before sync point 1 nothing is created; from sync
    /// point 1 on, a failure destroys what was built and forgets the temporary VM.
    private func run(_ request: MigrationReceiveRequest, control: any MigrationStream, taskID: String) async throws {
        let id = request.vmID
        let renamer: any DomainRenaming
        do {
            renamer = try await engine.checkCanReceive(request)
        } catch {
            await tell(control, .failure(engine.xenopsError(error)))
            throw error
        }
        do {
            try await control.send(.success)
            logger.debug("VM \(id): synchronisation point 1")
            engine.tasks.setProgress(taskID, 0.05)
            let memory: any MigrationStream
            if request.separateMemoryConnection {
                try await withDeadline(memoryTimeout, "the source's 1-mem ACK on the control connection") {
                    try await control.expectSuccess(at: "sync point 1-mem ACK")
                }
                guard let stream = try await rendezvous.memory(id, timeout: memoryTimeout) else {
                    throw XenopsError.internalError("the migration source sent no memory connection (…/migrate/mem/\(id)) within \(memoryTimeout)")
                }
                memory = stream
                logger.debug("VM \(id): synchronisation point 1-mem ACK")
            } else {
                memory = control
            }
            try engine.tasks.checkCancelling(taskID)
            try await engine.restoreIncoming(id, from: memory.descriptor)
            // The memory handler may now return and close its connection.
            rendezvous.close(id)
            engine.tasks.setProgress(taskID, 0.8)
            logger.debug("VM \(id): restore complete; synchronisation point 2")
            try await control.expectSuccess(at: "sync point 3")
            logger.debug("VM \(id): synchronisation point 3")
        } catch {
            let failure = engine.xenopsError(error, task: taskID)
            logger.warning("receiving VM \(id) failed before sync point 3: \(failure.message); cleaning up")
            rendezvous.close(id)
            await engine.discardIncoming(id)
            // The source may be gone already; its absence may be the very failure reported.
            await tell(control, .failure(failure))
            throw error
        }
        // The source has let go of the VM: finish whatever happens, as xenopsd does. A fresh
        // task, so that a cancel that raced sync point 3 cannot interrupt the finish.
        engine.tasks.prohibitCancellation(taskID)
        let finalID = request.finalID
        let finish = Task { [engine] in try await engine.completeIncoming(id, as: finalID, renamer: renamer) }
        do {
            try await finish.value as Void
        } catch {
            let failure = engine.xenopsError(error, task: taskID)
            logger.error("receiving VM \(id) as \(finalID) failed after sync point 3: \(failure.message)")
            await tell(control, .failure(failure))
            throw error
        }
        engine.tasks.setProgress(taskID, 1)
        // The vm-post-migrate hook (issue #9 item 5) belongs here: after the unpause, before
        // sync point 4, failing the receive like any step above.
        await tell(control, .success)
        logger.info("received VM \(finalID) (was \(id)); synchronisation point 4")
    }

    /// Sends a frame whatever the state of the calling task (a cancelled receive must still
    /// say why), bounded in time; a source that has gone away is only logged.
    private func tell(_ control: any MigrationStream, _ frame: MigrationHandshake) async {
        let logger = self.logger
        let send = Task {
            do { try await withDeadline(.seconds(30), "the source to take a handshake frame") { try await control.send(frame) } } catch {
                logger.debug("could not send \(frame) to the migration source: \(error)")
            }
        }
        await send.value
    }
}

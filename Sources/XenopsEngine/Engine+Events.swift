import Foundation
import XenopsBackend
import XenopsCore

extension XenopsEngine {
    /// Reacts to something the hypervisor reported. Events about domains we do not manage are
    /// ignored: an unmanaged domain is never touched.
    func handle(_ event: BackendEvent) {
        let managed = live.withLock { $0.records[event.vm] != nil }
        guard managed else {
            logger.trace("ignoring event for unmanaged domain \(event.vm): \(event)")
            return
        }
        switch event {
        case .domainShutdown(let vm, let domid, let reason):
            logger.info("domain \(domid) of VM \(vm) shut down (\(reason.rawValue))")
            updates.signal(.vm(vm))
            queueStateCheck(vm)
        case .domainDied(let vm, _):
            signalAll(vm)
        case .deviceChanged(_, let device):
            updates.signal(device)
        case .domainChanged(let vm):
            updates.signal(.vm(vm))
        }
    }

    /// Queues a state check for `vm`, unless one is already waiting (checks coalesce).
    func queueStateCheck(_ vm: String) {
        let fresh = live.withLock { $0.checkPending.insert(vm).inserted }
        guard fresh else { return }
        queues.submit(vm: vm) { [self] in
            live.withLock { _ = $0.checkPending.remove(vm) }
            await checkState(vm)
        }
    }

    /// `VM_check_state`: if the VM's domain shut down on its own, applies the VM's configured
    /// action (`on_shutdown`, `on_reboot`, `on_crash`, `on_softreboot`) with the crash- and
    /// reboot-loop guard. Runs in the VM's queue, so it never races an operation: a shutdown
    /// the engine requested itself has been cleaned up by the time this runs.
    func checkState(_ vm: String) async {
        guard let record = live.withLock({ $0.records[vm] }) else { return }
        let info: DomainInfo?
        do { info = try await backend.domainInfo(vm: vm) } catch {
            logger.error("state check of VM \(vm) could not read its domain: \(error)")
            return
        }
        guard let info, case .shutdown(let reason) = info.state else {
            signalAll(vm)
            return
        }
        if live.withLock({ $0.keptAfterShutdown.contains(vm) }) { return }
        let uptime = Date().timeIntervalSince1970 - record.runtime.lastStartTime
        let plan = LifecyclePlanner.planGuestShutdown(
            reason: reason, vm: record.vm, secondsSinceStart: uptime,
            minimumUptime: configuration.minimumUptime, rebootDelay: configuration.rebootLoopDelay
        )
        logger.info("VM \(vm): guest \(reason.rawValue); applying its action (\(plan.steps.count) steps)")
        let taskID = tasks.create(debugInfo: "check_state \(vm)")
        try? tasks.destroyOnFinish(taskID)
        await runAsTask(taskID, vm: vm, name: "VM.check_state") { [self] in
            try await run(plan, vm: vm, taskID: taskID)
        }
    }

    /// Matches stored VMs with the hypervisor's domains after a (re)start.
    func reconcile() async throws(XenopsError) {
        let domains = try await backendCall { try await backend.listDomains() }
        let records = live.withLock { $0.records }
        var adopted = 0
        var needCheck: [String] = []
        for domain in domains {
            guard let record = records[domain.uuid] else {
                if domain.domid != 0 {
                    logger.info("leaving unmanaged domain \(domain.domid) (\(domain.name), \(domain.uuid)) alone")
                }
                continue
            }
            adopted += 1
            logger.info("adopted domain \(domain.domid) of VM \(record.vm.id)")
            if case .shutdown = domain.state { needCheck.append(domain.uuid) }
            live.withLock { $0.xsdataState[domain.uuid] = record.vm.xsdata }
        }
        logger.info("reconciled \(records.count) VMs: \(adopted) with a running domain, \(domains.count - adopted) other domains unmanaged")
        for record in records.values.sorted(by: { $0.vm.id < $1.vm.id }) { updates.signal(record.allIDs) }
        for vm in needCheck { queueStateCheck(vm) }
    }
}

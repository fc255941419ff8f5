import Foundation
import XenopsBackend
import XenopsCore

extension XenopsEngine {
    /// Queues `operation` on `vm`'s queue as a new task and returns the task id at once.
    public func submit(_ operation: VMOperation, vm: String, debugInfo: String) -> String {
        let taskID = tasks.create(debugInfo: debugInfo)
        logger.debug("queued \(operation.name) for VM \(vm) as task \(taskID)", metadata: ["dbg": .string(DebugInfo(debugInfo).log)])
        queues.submit(vm: vm) { [self] in
            await runAsTask(taskID, vm: vm, name: operation.name, resultOf: { [self] in
                try await perform(operation, vm: vm, taskID: taskID)
            })
        }
        return taskID
    }

    /// Runs `body` as the work of task `taskID`: cancellable, and finishing the task with
    /// its outcome.
    func runAsTask(_ taskID: String, vm: String, name: String, _ body: @escaping @Sendable () async throws -> Void) async {
        await runAsTask(taskID, vm: vm, name: name, resultOf: { try await body(); return nil })
    }

    /// ``runAsTask(_:vm:name:_:)`` for work with a result (`VM.run_script`): it becomes the
    /// task's `Completed.result`.
    func runAsTask(_ taskID: String, vm: String, name: String, resultOf body: @escaping @Sendable () async throws -> JSONValue?) async {
        let work = Task { try await body() }
        tasks.setCancelHandler(taskID) { work.cancel() }
        do {
            let result = try await work.value
            tasks.complete(taskID, result: result)
            logger.debug("task \(taskID) \(name) on VM \(vm) completed")
        } catch {
            var failure = xenopsError(error, task: taskID)
            if case .cancelled(let id) = failure, id.isEmpty { failure = .cancelled(task: taskID) }
            tasks.fail(taskID, failure)
            logger.info("task \(taskID) \(name) on VM \(vm) failed: \(failure.message)")
        }
    }

    /// Executes one queued operation: plans it against the VM's state now, then runs the plan.
    /// Returns the plan's result (only `VM.run_script` has one).
    func perform(_ operation: VMOperation, vm: String, taskID: String) async throws -> JSONValue? {
        try tasks.checkCancelling(taskID)
        let record = try record(vm)
        let info = try await backendCall { try await backend.domainInfo(vm: vm) }
        let context = PlanContext(
            powerState: powerState(of: record, domain: info), vm: record.vm, vbds: record.vbds, vifs: record.vifs, vusbs: record.vusbs,
            plugged: Self.plugged(info), shutdownAckTimeout: configuration.shutdownAckTimeout
        )
        let plan = try LifecyclePlanner.plan(operation, in: context)
        return try await run(plan, vm: vm, taskID: taskID)
    }

    /// Runs the steps of a plan, reporting progress. If a step fails after a domain was
    /// created, the half-built domain is destroyed so that the VM is left Halted, a state
    /// any later operation can start from. Returns the result of the step that has one
    /// (`runScript`), if any.
    @discardableResult
    func run(_ plan: Plan, vm: String, taskID: String) async throws -> JSONValue? {
        let total = max(plan.totalWeight, 1)
        var done = 0.0
        var result: JSONValue?
        var createdDomain = false
        defer {
            if live.withLock({ $0.rebooting.contains(vm) }) {
                live.withLock { _ = $0.rebooting.remove(vm) }
            }
            signalAll(vm)
        }
        do {
            for step in plan.steps {
                try tasks.checkCancelling(taskID)
                switch step {
                case .createDomain, .restoreFromFile: createdDomain = true
                default: break
                }
                if let value = try await execute(step, vm: vm, taskID: taskID) { result = value }
                if case .destroyDomain = step { createdDomain = false }
                done += step.weight
                tasks.setProgress(taskID, done / total)
            }
            return result
        } catch {
            if createdDomain {
                // The task may be cancelled: clean up from a fresh, uncancelled task.
                let backend = self.backend
                let cleanup = Task { try await backend.destroy(vm: vm) }
                do { try await cleanup.value } catch {
                    logger.error("could not destroy the half-built domain of VM \(vm): \(error)")
                }
            }
            throw error
        }
    }

    /// Executes one atomic step; returns its result if it has one.
    @discardableResult
    func execute(_ step: PlanStep, vm: String, taskID: String) async throws -> JSONValue? {
        switch step {
        case .createDomain:
            let spec = try domainSpec(vm)
            try await destroyStaleDomain(vm)
            _ = try await backendCall { try await backend.createDomain(spec) }
            live.withLock { l in
                l.keptAfterShutdown.remove(vm)
                l.xsdataState[vm] = spec.vm.xsdata
                l.shadowMultipliers[vm] = nil
            }
            try await applyVIFSettingsAtPlug(vm: vm, spec.vifs)
        case .saveToFile(let path):
            // From here on a cancel would leave a half-written image: finish instead.
            tasks.prohibitCancellation(taskID)
            let file = try SuspendImageFile(creating: path)
            do {
                try await backendCall { try await backend.save(vm: vm, to: file.descriptor, live: false) }
                try file.sync()
            } catch {
                file.discard()
                throw error
            }
            if let record = updateRecord(vm, { $0.runtime.suspendImage = path }) { try await persister.setRuntime(record) }
        case .restoreFromFile(let path):
            let spec = try domainSpec(vm)
            try await destroyStaleDomain(vm)
            let file = try SuspendImageFile(reading: path)
            _ = try await backendCall { try await backend.restore(spec, from: file.descriptor) }
            live.withLock { l in
                l.keptAfterShutdown.remove(vm)
                l.xsdataState[vm] = spec.vm.xsdata
                l.shadowMultipliers[vm] = nil
            }
            try await applyVIFSettingsAtPlug(vm: vm, spec.vifs)
        case .forgetSuspendImage:
            if let record = updateRecord(vm, { $0.runtime.suspendImage = nil }) { try await persister.setRuntime(record) }
        case .pauseDomain:
            try await backendCall { try await backend.pause(vm: vm) }
        case .unpauseDomain:
            try await backendCall { try await backend.unpause(vm: vm) }
        case .requestShutdown(let request, let ackTimeout):
            try await backendCall { try await backend.requestShutdown(vm: vm, reason: request, ackTimeout: ackTimeout) }
        case .waitForShutdown(let timeout):
            _ = try await backendCall { try await backend.waitForShutdown(vm: vm, timeout: timeout) }
        case .destroyDomain:
            try await backendCall { try await backend.destroy(vm: vm) }
            live.withLock { l in
                l.keptAfterShutdown.remove(vm)
                l.xsdataState[vm] = nil
                l.shadowMultipliers[vm] = nil
            }
        case .markRebooting(let on):
            live.withLock { l in
                if on { l.rebooting.insert(vm) } else { l.rebooting.remove(vm) }
            }
            updates.signal(.vm(vm))
        case .recordStart:
            if let record = updateRecord(vm, { $0.runtime.lastStartTime = Date().timeIntervalSince1970 }) {
                try await persister.setRuntime(record)
            }
        case .sleep(let seconds):
            do { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) } catch {
                throw XenopsError.cancelled(task: taskID)
            }
        case .setVcpus(let n):
            try await backendCall { try await backend.setVcpus(vm: vm, count: n) }
        case .setMemoryTarget(let bytes):
            try await backendCall { try await backend.setMemoryTarget(vm: vm, bytes: bytes) }
        case .updateMemoryRange(let min, let max):
            if let record = updateRecord(vm, { $0.vm.memoryDynamicMin = min; $0.vm.memoryDynamicMax = max }) {
                try await persister.put(record)
            }
        case .setXSData(let data):
            try await backendCall { try await backend.setXSData(vm: vm, data) }
            live.withLock { l in l.xsdataState[vm, default: [:]].merge(data) { _, new in new } }
        case .plugVBD(let name):
            let vbd = try device(vm, name, \.vbds, "vbd")
            try await backendCall { try await backend.plugVBD(vm: vm, vbd) }
            updates.signal(.vbd(DeviceID(vm: vm, name: name)))
        case .unplugVBD(let name, let force):
            try await backendCall { try await backend.unplugVBD(vm: vm, name: name, force: force) }
            updates.signal(.vbd(DeviceID(vm: vm, name: name)))
        case .insertMedia(let name, let disk):
            try await backendCall { try await backend.insertMedia(vm: vm, vbd: name, disk: disk) }
            if let record = updateRecord(vm, { $0.vbds[name]?.backend = disk }) { try await persister.put(record) }
            updates.signal(.vbd(DeviceID(vm: vm, name: name)))
        case .ejectMedia(let name):
            try await backendCall { try await backend.ejectMedia(vm: vm, vbd: name) }
            if let record = updateRecord(vm, { $0.vbds[name]?.backend = nil }) { try await persister.put(record) }
            updates.signal(.vbd(DeviceID(vm: vm, name: name)))
        case .plugVIF(let name):
            let vif = try device(vm, name, \.vifs, "vif")
            try await backendCall { try await backend.plugVIF(vm: vm, vif) }
            updates.signal(.vif(DeviceID(vm: vm, name: name)))
            try await applyVIFSettingsAtPlug(vm: vm, [vif])
        case .unplugVIF(let name, let force):
            try await backendCall { try await backend.unplugVIF(vm: vm, name: name, force: force) }
            updates.signal(.vif(DeviceID(vm: vm, name: name)))
        case .setCarrier(let name, let carrier):
            try await backendCall { try await backend.setCarrier(vm: vm, vif: name, carrier: carrier) }
            if let record = updateRecord(vm, { $0.vifs[name]?.carrier = carrier }) { try await persister.put(record) }
            updates.signal(.vif(DeviceID(vm: vm, name: name)))
        case .note(let text):
            logger.info("VM \(vm): \(text)")
            if text.hasPrefix("Pause") { live.withLock { _ = $0.keptAfterShutdown.insert(vm) } }
        case .runHook(let hook, let reason):
            try await runHook(hook, vm: vm, reason: reason)
        case .bestEffort(let inner):
            do { try await execute(inner, vm: vm, taskID: taskID) } catch {
                logger.debug("VM \(vm): best-effort step \(inner) failed and was ignored: \(error)")
            }
        case .requestRDP, .runScript, .setShadowMultiplier, .s3Suspend, .s3Resume, .storeVIF, .applyVIF, .setVBDQoS, .plugVUSB, .unplugVUSB:
            return try await executeGuestOrDeviceSetting(step, vm: vm)
        }
        return nil
    }

    /// What the backend builds for a VM: its config and devices, read-write disks first (as
    /// xenopsd plugs them).
    func domainSpec(_ vm: String) throws(XenopsError) -> DomainSpec {
        let record = try record(vm)
        var spec = DomainSpec(vm: record.vm, domains: record.domains, numaAffinityPolicy: currentNUMAAffinityPolicy)
        spec.vbds = record.vbds.values.sorted {
            ($0.mode == .readOnly ? 1 : 0, $0.id.name) < ($1.mode == .readOnly ? 1 : 0, $1.id.name)
        }
        spec.vifs = record.vifs.values.sorted { ($0.position, $0.id.name) < ($1.position, $1.id.name) }
        spec.pcis = record.pcis.values.sorted { ($0.position, $0.id.name) < ($1.position, $1.id.name) }
        return spec
    }

    /// A domain left shut down (its action not yet applied) would clash on the uuid.
    private func destroyStaleDomain(_ vm: String) async throws {
        guard let stale = try await backendCall({ try await backend.domainInfo(vm: vm) }) else { return }
        switch stale.state {
        case .shutdown, .dying: try await backendCall { try await backend.destroy(vm: vm) }
        case .running, .paused: throw XenopsError.badPowerState(found: .running, expected: .halted)
        }
    }

    func device<D>(_ vm: String, _ name: String, _ path: KeyPath<VMRecord, [String: D]>, _ kind: String) throws(XenopsError) -> D {
        guard let d = try record(vm)[keyPath: path][name] else {
            throw .doesNotExist(namespace: "VM", path: "\(vm)/\(kind).\(name)")
        }
        return d
    }

    /// The power state XAPI sees for a VM given its domain (or none).
    func powerState(of record: VMRecord, domain: DomainInfo?) -> PowerState {
        let (rebooting, kept) = live.withLock { ($0.rebooting.contains(record.vm.id), $0.keptAfterShutdown.contains(record.vm.id)) }
        if rebooting { return .running }
        guard let domain else { return record.runtime.suspendImage == nil ? .halted : .suspended }
        switch domain.state {
        case .running: return .running
        case .paused: return .paused
        case .shutdown: return kept ? .paused : (record.runtime.suspendImage == nil ? .halted : .suspended)
        case .dying: return record.runtime.suspendImage == nil ? .halted : .suspended
        }
    }

    static func plugged(_ info: DomainInfo?) -> PluggedDevices {
        guard let info else { return PluggedDevices() }
        switch info.state {
        case .running, .paused:
            var vbds: [String: Bool] = [:]
            for (name, media) in info.devices.vbds { vbds[name] = media != nil }
            return PluggedDevices(vbds: vbds, vifs: Set(info.devices.vifs.keys), vusbs: info.devices.vusbs)
        case .shutdown, .dying:
            return PluggedDevices()
        }
    }
}

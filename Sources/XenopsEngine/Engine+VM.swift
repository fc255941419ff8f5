import Foundation
import XenopsBackend
import XenopsCore

extension XenopsEngine {
    /// `query`.
    public func query() -> QueryResult {
        QueryResult(instanceID: instanceID)
    }

    /// `VM.add`: stores a new VM configuration. `Already_exists` if the VM is known.
    public func addVM(_ vm: VM, debugInfo: String) async throws(XenopsError) -> String {
        try Self.validate(vm)
        let record = VMRecord(metadata: Metadata(vm: vm))
        let inserted = live.withLock { l -> Bool in
            guard l.records[vm.id] == nil else { return false }
            l.records[vm.id] = record
            return true
        }
        guard inserted else { throw .alreadyExists(namespace: "VM", path: "\(vm.id)/config") }
        do { try await persister.put(record) } catch {
            live.withLock { _ = $0.records.removeValue(forKey: vm.id) }
            throw error
        }
        updates.signal(.vm(vm.id))
        return vm.id
    }

    /// `VM.exists`.
    public func vmExists(_ id: String) -> Bool {
        live.withLock { $0.records[id] != nil }
    }

    /// `VM.stat`: configuration and live state.
    public func statVM(_ id: String) async throws(XenopsError) -> (VM, VMState) {
        let record = try record(id)
        let info = try await backendCall { try await backend.domainInfo(vm: id) }
        return (record.vm, state(of: record, domain: info))
    }

    /// `VM.list`: every VM with its state, ordered by id.
    public func listVMs() async throws(XenopsError) -> [(VM, VMState)] {
        let records = live.withLock { Array($0.records.values) }.sorted { $0.vm.id < $1.vm.id }
        let domains = try await backendCall { try await backend.listDomains() }
        var byUUID: [String: DomainInfo] = [:]
        for d in domains { byUUID[d.uuid] = d }
        return records.map { ($0.vm, state(of: $0, domain: byUUID[$0.vm.id])) }
    }

    /// `VM.export_metadata`: the VM, its devices and the backend's opaque state.
    public func exportMetadata(_ id: String) throws(XenopsError) -> Metadata {
        try record(id).metadata
    }

    /// `VM.import_metadata`: creates or overwrites the VM and its devices, dropping devices
    /// that are no longer listed. Runs behind the VM's queue, so it never races an
    /// operation on the same VM. The VM and its devices are written in one transaction.
    public func importMetadata(_ metadata: Metadata, debugInfo: String) async throws(XenopsError) -> String {
        let normalised = try await normalise(metadata)
        let id = normalised.vm.id
        do {
            try await queues.run(vm: id) { [self] in try await applyImport(normalised) }
        } catch {
            throw xenopsError(error)
        }
        return id
    }

    /// `VM.import_metadata_async`: the same, as a task.
    public func importMetadataAsync(_ metadata: Metadata, debugInfo: String) async throws(XenopsError) -> String {
        let normalised = try await normalise(metadata)
        let taskID = tasks.create(debugInfo: debugInfo)
        queues.submit(vm: normalised.vm.id) { [self] in
            await runAsTask(taskID, vm: normalised.vm.id, name: "VM.import_metadata_async") { [self] in
                try await applyImport(normalised)
            }
        }
        return taskID
    }

    private func applyImport(_ metadata: Metadata) async throws {
        let id = metadata.vm.id
        var record = VMRecord(metadata: metadata)
        let previous = live.withLock { $0.records[id] }
        if let previous { record.runtime = previous.runtime }
        try await persister.put(record)
        live.withLock { $0.records[id] = record }
        if let previous {
            let kept = Set(record.allIDs)
            for gone in previous.allIDs where !kept.contains(gone) { updates.remove(gone) }
        }
        updates.signal(record.allIDs)
    }

    /// `VM.remove`: forgets a VM that has no domain, with its devices.
    public func removeVM(_ id: String, debugInfo: String) async throws(XenopsError) {
        _ = try record(id)
        do {
            try await queues.run(vm: id) { [self] in
                let record = try record(id)
                let info = try await backendCall { try await backend.domainInfo(vm: id) }
                let power = powerState(of: record, domain: info)
                guard power == .halted || power == .suspended else {
                    throw XenopsError.badPowerState(found: power, expected: .halted)
                }
                try await forgetVM(id)
            }
        } catch {
            throw xenopsError(error)
        }
    }

    /// Fills what XAPI leaves to xenopsd on import: device ids that name the VM, `hd*` disk
    /// names upgraded to `xvd*`, and the host's `featureset` when the platform data lacks one.
    func normalise(_ metadata: Metadata) async throws(XenopsError) -> Metadata {
        var m = metadata
        try Self.validate(m.vm)
        let vmID = m.vm.id
        for i in m.vbds.indices {
            m.vbds[i].id.vm = vmID
            if m.vbds[i].id.name.hasPrefix("hd") { m.vbds[i].id.name = "xvd" + m.vbds[i].id.name.dropFirst(2) }
        }
        for i in m.vifs.indices { m.vifs[i].id.vm = vmID }
        for i in m.pcis.indices { m.pcis[i].id.vm = vmID }
        for i in m.vgpus.indices { m.vgpus[i].id.vm = vmID }
        for i in m.vusbs.indices { m.vusbs[i].id.vm = vmID }
        for (kind, names) in [("VBD", m.vbds.map(\.id.name)), ("VIF", m.vifs.map(\.id.name)), ("PCI", m.pcis.map(\.id.name))] {
            if let dup = Dictionary(grouping: names, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw .internalError("the metadata lists \(kind) \(dup) twice; each device name must be unique within a VM")
            }
        }
        if m.vm.platformdata["featureset"] == nil {
            if let host = try? await backend.hostInfo() {
                let features: String
                switch m.vm.ty {
                case .hvm: features = host.cpuInfo.featuresHVM
                default: features = host.cpuInfo.featuresPV
                }
                if !features.isEmpty { m.vm.platformdata["featureset"] = features }
            }
        }
        return m
    }

    /// Checks the parts of a VM configuration every later step relies on.
    static func validate(_ vm: VM) throws(XenopsError) {
        guard !vm.id.isEmpty else { throw .internalError("the VM has an empty id; give it its uuid in vm.id") }
        guard vm.id.count <= 128, !vm.id.contains("/") else {
            throw .internalError("the VM id \"\(vm.id.prefix(40))\" is not a valid uuid")
        }
        guard vm.vcpuMax >= 1, vm.vcpus >= 1, vm.vcpus <= vm.vcpuMax else {
            throw .invalidVcpus(vm.vcpus)
        }
        guard vm.memoryStaticMax > 0, vm.memoryDynamicMin <= vm.memoryDynamicMax, vm.memoryDynamicMax <= vm.memoryStaticMax else {
            throw .internalError("VM \(vm.id) has an inconsistent memory range: dynamic_min \(vm.memoryDynamicMin) ≤ dynamic_max \(vm.memoryDynamicMax) ≤ static_max \(vm.memoryStaticMax) must hold")
        }
    }

    /// The `Vm.state` of a record given its domain.
    func state(of record: VMRecord, domain: DomainInfo?) -> VMState {
        var s = VMState()
        let power = powerState(of: record, domain: domain)
        s.powerState = power
        s.lastStartTime = record.runtime.lastStartTime
        guard let domain, power != .halted else { return s }
        s.domids = [domain.domid]
        s.consoles = domain.consoles
        s.memoryTarget = domain.memoryTarget
        s.memoryActual = domain.memoryActual
        s.memoryLimit = domain.memoryMax
        s.vcpuTarget = domain.vcpusOnline
        s.domainType = domain.domainType
        s.hvm = domain.domainType == .hvm
        s.featureset = record.vm.platformdata["featureset"] ?? ""
        s.nomigrate = record.vm.platformdata["nomigrate"] == "true" || record.vm.platformdata["nomigrate"] == "1"
        s.nestedVirt = record.vm.platformdata["nested-virt"] == "true" || record.vm.platformdata["nested-virt"] == "1"
        if case .hvm(let info) = record.vm.ty {
            s.shadowMultiplierTarget = live.withLock { $0.shadowMultipliers[record.vm.id] } ?? info.shadowMultiplier
            s.rtcTimeoffset = info.timeoffset
        }
        s.xsdataState = live.withLock { $0.xsdataState[record.vm.id] } ?? [:]
        return s
    }

    /// Deletes a VM from the store, then from memory and UPDATES (its domain must be gone).
    func forgetVM(_ id: String) async throws {
        try await persister.remove(id)
        live.withLock { l in
            l.records[id] = nil
            l.xsdataState[id] = nil
            l.keptAfterShutdown.remove(id)
        }
        updates.removeVM(id)
    }
}

import XenopsCore
import XenopsEngine
import XenopsRPC

/// The xenops API served by a ``XenopsEngine``: the seam between the wire (``Dispatcher``)
/// and the toolstack.
///
/// Every method is a thin forward; nothing here reads the store or copies state, so the
/// request path stays as short as the engine makes it. `UPDATES.get` without a timeout waits
/// until something changes or until the calling task is cancelled: the server cancels the
/// task when the client's connection goes away.
public struct EngineService: XenopsService {
    /// The engine every call goes to.
    public let engine: XenopsEngine

    /// Serves `engine`, which must have been started.
    public init(engine: XenopsEngine) {
        self.engine = engine
    }

    public func query(_ dbg: String) async throws(XenopsError) -> QueryResult { engine.query() }

    public func diagnostics(_ dbg: String) async throws(XenopsError) -> String { engine.diagnostics().jsonString }

    // MARK: Task

    public func taskStat(_ dbg: String, id: String) async throws(XenopsError) -> TaskInfo { try engine.tasks.stat(id) }
    public func taskCancel(_ dbg: String, id: String) async throws(XenopsError) { try engine.tasks.cancel(id) }
    public func taskDestroy(_ dbg: String, id: String) async throws(XenopsError) { try engine.tasks.destroy(id) }
    public func taskList(_ dbg: String) async throws(XenopsError) -> [TaskInfo] { engine.tasks.list() }
    public func taskDestroyOnFinish(_ dbg: String, id: String) async throws(XenopsError) { try engine.tasks.destroyOnFinish(id) }

    // MARK: HOST

    public func hostStat(_ dbg: String) async throws(XenopsError) -> HostInfo { try await engine.hostStat() }
    public func hostTotalMemoryMiB(_ dbg: String) async throws(XenopsError) -> Int64 { try await engine.totalMemoryMiB() }
    public func hostConsoleData(_ dbg: String) async throws(XenopsError) -> String { try await engine.consoleData() }
    public func hostSetWorkerPoolSize(_ dbg: String, size: Int) async throws(XenopsError) { try engine.setWorkerPoolSize(size) }
    public func hostSendDebugKeys(_ dbg: String, keys: String) async throws(XenopsError) { try await engine.sendDebugKeys(keys) }
    public func hostCombineCPUPolicies(_ dbg: String, policy1: String, policy2: String) async throws(XenopsError) -> String {
        try await engine.combineCPUPolicies(policy1, policy2)
    }
    public func hostIsCompatible(_ dbg: String, vmPolicy: String, hostPolicy: String) async throws(XenopsError) -> Bool {
        try await engine.isCompatible(vmPolicy: vmPolicy, hostPolicy: hostPolicy)
    }
    public func hostSetNUMAAffinityPolicy(_ dbg: String, policy: NUMAAffinityPolicy?) async throws(XenopsError) { engine.setNUMAAffinityPolicy(policy) }
    public func observer(_ dbg: String, _ command: ObserverCommand) async throws(XenopsError) { try engine.observer(command) }

    // MARK: VM

    public func vmAdd(_ dbg: String, vm: VM) async throws(XenopsError) -> String { try await engine.addVM(vm, debugInfo: dbg) }
    public func vmRemove(_ dbg: String, id: String) async throws(XenopsError) { try await engine.removeVM(id, debugInfo: dbg) }
    public func vmExists(_ dbg: String, id: String) async throws(XenopsError) -> Bool { engine.vmExists(id) }
    public func vmList(_ dbg: String) async throws(XenopsError) -> [(VM, VMState)] { try await engine.listVMs() }
    public func vmStat(_ dbg: String, id: String) async throws(XenopsError) -> (VM, VMState) { try await engine.statVM(id) }

    public func vmImportMetadata(_ dbg: String, metadata: Metadata) async throws(XenopsError) -> String {
        try await engine.importMetadata(metadata, debugInfo: dbg)
    }

    public func vmImportMetadataAsync(_ dbg: String, metadata: Metadata) async throws(XenopsError) -> String {
        try await engine.importMetadataAsync(metadata, debugInfo: dbg)
    }

    public func vmExportMetadata(_ dbg: String, id: String) async throws(XenopsError) -> Metadata { try engine.exportMetadata(id) }

    public func vmOperation(_ dbg: String, id: String, _ operation: VMOperation) async throws(XenopsError) -> String {
        engine.submit(operation, vm: id, debugInfo: dbg)
    }

    public func vmMigrate(_ dbg: String, id: String, _ request: MigrateRequest) async throws(XenopsError) -> String {
        engine.migrateVM(id, request, debugInfo: dbg)
    }

    // MARK: Devices

    public func vbdAdd(_ dbg: String, vbd: VBD) async throws(XenopsError) -> DeviceID { try await engine.addVBD(vbd) }
    public func vbdRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { try await engine.removeVBD(id) }
    public func vbdStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VBD, VBDState) { try await engine.statVBD(id) }
    public func vbdList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VBD, VBDState)] { try await engine.listVBDs(vm: vm) }
    public func vifAdd(_ dbg: String, vif: VIF) async throws(XenopsError) -> DeviceID { try await engine.addVIF(vif) }
    public func vifRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { try await engine.removeVIF(id) }
    public func vifStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VIF, VIFState) { try await engine.statVIF(id) }
    public func vifList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VIF, VIFState)] { try await engine.listVIFs(vm: vm) }
    public func pciAdd(_ dbg: String, pci: PCI) async throws(XenopsError) -> DeviceID { try await engine.addPCI(pci) }
    public func pciRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { try await engine.removePCI(id) }
    public func pciStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (PCI, PluggedState) { try await engine.statPCI(id) }
    public func pciList(_ dbg: String, vm: String) async throws(XenopsError) -> [(PCI, PluggedState)] { try await engine.listPCIs(vm: vm) }

    // MARK: UPDATES

    public func updatesGet(_ dbg: String, lastID: Int?, timeout: Int?) async throws(XenopsError) -> UpdatesResult {
        if let timeout, timeout < 0 {
            throw .internalError("UPDATES.get: parameter 'timeout' is \(timeout); give a number of seconds ≥ 0, or leave it out to wait until something changes")
        }
        return await engine.updates.get(from: lastID, timeout: timeout.map(Double.init))
    }

    public func updatesLastID(_ dbg: String) async throws(XenopsError) -> Int { engine.updates.lastID }

    public func updatesInjectBarrier(_ dbg: String, vm: String, id: Int) async throws(XenopsError) {
        engine.updates.injectBarrier(vm: vm, token: id)
    }

    public func updatesRemoveBarrier(_ dbg: String, id: Int) async throws(XenopsError) { engine.updates.removeBarrier(token: id) }

    /// Re-signals the VM and every device it has; an unknown VM is a no-op, as in xenopsd
    /// (whose `*_DB.signal` skips objects that do not exist).
    public func updatesRefreshVM(_ dbg: String, vm: String) async throws(XenopsError) {
        // The engine keeps its per-VM id list internal; the exported metadata lists the same
        // devices, so the adapter builds the ids from it instead of widening the engine's API.
        guard let metadata = try? engine.exportMetadata(vm) else { return }
        engine.updates.signal(Self.dynamicIDs(of: metadata))
    }

    /// Every UPDATES id of a VM and its devices, VM first.
    static func dynamicIDs(of metadata: Metadata) -> [DynamicID] {
        var ids: [DynamicID] = [.vm(metadata.vm.id)]
        ids += metadata.vbds.map { .vbd($0.id) }
        ids += metadata.vifs.map { .vif($0.id) }
        ids += metadata.pcis.map { .pci($0.id) }
        ids += metadata.vgpus.map { .vgpu($0.id) }
        ids += metadata.vusbs.map { .vusb($0.id) }
        return ids
    }

    // MARK: vGPU, VUSB, PCI quarantine, guest-agent features (issue 9)

    public func vgpuAdd(_ dbg: String, vgpu: VGPU) async throws(XenopsError) -> DeviceID { try await engine.addVGPU(vgpu) }
    public func vgpuRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { try await engine.removeVGPU(id) }
    public func vgpuStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VGPU, VGPUState) { try await engine.statVGPU(id) }
    public func vgpuList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VGPU, VGPUState)] { try await engine.listVGPUs(vm: vm) }
    public func vusbAdd(_ dbg: String, vusb: VUSB) async throws(XenopsError) -> DeviceID { try await engine.addVUSB(vusb) }
    public func vusbRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { try await engine.removeVUSB(id) }
    public func vusbStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VUSB, PluggedState) { try await engine.statVUSB(id) }
    public func vusbList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VUSB, PluggedState)] { try await engine.listVUSBs(vm: vm) }
    public func pciDequarantine(_ dbg: String, address: PCIAddress) async throws(XenopsError) { try await engine.dequarantinePCI(address) }
    public func hostUpdateGuestAgentFeatures(_ dbg: String, features: [GuestAgentFeature]) async throws(XenopsError) {
        try await engine.updateGuestAgentFeatures(features)
    }

    // MARK: DEBUG

    public func debugTrigger(_ dbg: String, command: String, args: [String]) async throws(XenopsError) {
        try await engine.debugTrigger(command, args: args)
    }
}

import XenopsCore

/// What the xenops API calls: the methods the dispatcher routes requests to.
///
/// `XenopsServer` implements it over the engine; tests implement it with fakes. Every method
/// takes the request's `debug_info` first, as on the wire. Task-kind methods return a task id.
public protocol XenopsService: Sendable {
    func query(_ dbg: String) async throws(XenopsError) -> QueryResult
    func diagnostics(_ dbg: String) async throws(XenopsError) -> String

    func taskStat(_ dbg: String, id: String) async throws(XenopsError) -> TaskInfo
    func taskCancel(_ dbg: String, id: String) async throws(XenopsError)
    func taskDestroy(_ dbg: String, id: String) async throws(XenopsError)
    func taskList(_ dbg: String) async throws(XenopsError) -> [TaskInfo]
    func taskDestroyOnFinish(_ dbg: String, id: String) async throws(XenopsError)

    func hostStat(_ dbg: String) async throws(XenopsError) -> HostInfo
    func hostTotalMemoryMiB(_ dbg: String) async throws(XenopsError) -> Int64
    func hostConsoleData(_ dbg: String) async throws(XenopsError) -> String
    func hostSetWorkerPoolSize(_ dbg: String, size: Int) async throws(XenopsError)
    func hostSendDebugKeys(_ dbg: String, keys: String) async throws(XenopsError)
    func hostCombineCPUPolicies(_ dbg: String, policy1: String, policy2: String) async throws(XenopsError) -> String
    func hostIsCompatible(_ dbg: String, vmPolicy: String, hostPolicy: String) async throws(XenopsError) -> Bool
    /// `nil`: the key was absent, select the default policy.
    func hostSetNUMAAffinityPolicy(_ dbg: String, policy: NUMAAffinityPolicy?) async throws(XenopsError)
    /// `Observer.*`: `dbg` is the call's `dbg` parameter.
    func observer(_ dbg: String, _ command: ObserverCommand) async throws(XenopsError)

    func vmAdd(_ dbg: String, vm: VM) async throws(XenopsError) -> String
    func vmRemove(_ dbg: String, id: String) async throws(XenopsError)
    func vmExists(_ dbg: String, id: String) async throws(XenopsError) -> Bool
    func vmList(_ dbg: String) async throws(XenopsError) -> [(VM, VMState)]
    func vmStat(_ dbg: String, id: String) async throws(XenopsError) -> (VM, VMState)
    func vmImportMetadata(_ dbg: String, metadata: Metadata) async throws(XenopsError) -> String
    func vmImportMetadataAsync(_ dbg: String, metadata: Metadata) async throws(XenopsError) -> String
    func vmExportMetadata(_ dbg: String, id: String) async throws(XenopsError) -> Metadata
    /// Queues an operation on the VM's queue; returns the task id.
    func vmOperation(_ dbg: String, id: String, _ operation: VMOperation) async throws(XenopsError) -> String
    /// `VM.migrate`: queues the migration on the VM's queue; returns the task id.
    func vmMigrate(_ dbg: String, id: String, _ request: MigrateRequest) async throws(XenopsError) -> String

    func vbdAdd(_ dbg: String, vbd: VBD) async throws(XenopsError) -> DeviceID
    func vbdRemove(_ dbg: String, id: DeviceID) async throws(XenopsError)
    func vbdStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VBD, VBDState)
    func vbdList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VBD, VBDState)]
    func vifAdd(_ dbg: String, vif: VIF) async throws(XenopsError) -> DeviceID
    func vifRemove(_ dbg: String, id: DeviceID) async throws(XenopsError)
    func vifStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VIF, VIFState)
    func vifList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VIF, VIFState)]
    func pciAdd(_ dbg: String, pci: PCI) async throws(XenopsError) -> DeviceID
    func pciRemove(_ dbg: String, id: DeviceID) async throws(XenopsError)
    func pciStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (PCI, PluggedState)
    func pciList(_ dbg: String, vm: String) async throws(XenopsError) -> [(PCI, PluggedState)]

    func updatesGet(_ dbg: String, lastID: Int?, timeout: Int?) async throws(XenopsError) -> UpdatesResult
    func updatesLastID(_ dbg: String) async throws(XenopsError) -> Int
    func updatesInjectBarrier(_ dbg: String, vm: String, id: Int) async throws(XenopsError)
    func updatesRemoveBarrier(_ dbg: String, id: Int) async throws(XenopsError)
    func updatesRefreshVM(_ dbg: String, vm: String) async throws(XenopsError)

    func debugTrigger(_ dbg: String, command: String, args: [String]) async throws(XenopsError)

    // MARK: vGPU, VUSB, PCI quarantine, guest-agent features (issue 9)

    func vgpuAdd(_ dbg: String, vgpu: VGPU) async throws(XenopsError) -> DeviceID
    func vgpuRemove(_ dbg: String, id: DeviceID) async throws(XenopsError)
    func vgpuStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VGPU, VGPUState)
    func vgpuList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VGPU, VGPUState)]
    func vusbAdd(_ dbg: String, vusb: VUSB) async throws(XenopsError) -> DeviceID
    func vusbRemove(_ dbg: String, id: DeviceID) async throws(XenopsError)
    func vusbStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VUSB, PluggedState)
    func vusbList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VUSB, PluggedState)]
    func pciDequarantine(_ dbg: String, address: PCIAddress) async throws(XenopsError)
    func hostUpdateGuestAgentFeatures(_ dbg: String, features: [GuestAgentFeature]) async throws(XenopsError)
}

import Synchronization
import XenopsCore
import XenopsRPC

/// A ``XenopsService`` that records every call (method and arguments as text) and answers
/// with fixed values; a VM id of ``FakeXenopsService/missingVM`` raises `Does_not_exist`.
final class FakeXenopsService: XenopsService {
    static let vmID = "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"
    static let missingVM = "00000000-0000-0000-0000-000000000bad"

    static let vm = VM(
        id: vmID, name: "debian12",
        ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/boot/vmlinuz", cmdline: "console=hvc0")))),
        memoryStaticMax: 1 << 30, vcpuMax: 2, vcpus: 1
    )

    private let log = Mutex<[String]>([])

    /// Every call so far, as `"name(arguments)"`.
    var calls: [String] { log.withLock { $0 } }

    private func record(_ entry: String) { log.withLock { $0.append(entry) } }

    private func known(_ id: String) throws(XenopsError) {
        if id == Self.missingVM { throw .doesNotExist(namespace: "VM", path: "\(id)/config") }
    }

    func query(_ dbg: String) async throws(XenopsError) -> QueryResult {
        record("query(\(dbg))")
        return QueryResult(instanceID: "instance-1")
    }

    func diagnostics(_ dbg: String) async throws(XenopsError) -> String { "{}" }

    func taskStat(_ dbg: String, id: String) async throws(XenopsError) -> TaskInfo {
        record("taskStat(\(id))")
        guard id == "57" else { throw .doesNotExist(namespace: "task", path: id) }
        return TaskInfo(id: "57", dbg: dbg, ctime: 1_718_000_000.25, state: .pending(0.42))
    }

    func taskCancel(_ dbg: String, id: String) async throws(XenopsError) { record("taskCancel(\(id))") }
    func taskDestroy(_ dbg: String, id: String) async throws(XenopsError) { record("taskDestroy(\(id))") }
    func taskList(_ dbg: String) async throws(XenopsError) -> [TaskInfo] { [] }
    func taskDestroyOnFinish(_ dbg: String, id: String) async throws(XenopsError) { record("taskDestroyOnFinish(\(id))") }

    func hostStat(_ dbg: String) async throws(XenopsError) -> HostInfo {
        HostInfo(cpuInfo: .init(), hypervisor: .init(version: "4.17", capabilities: "xen-3.0-x86_64"), chipsetInfo: .init(iommu: false, hvm: true))
    }

    func hostTotalMemoryMiB(_ dbg: String) async throws(XenopsError) -> Int64 { 16384 }
    func hostConsoleData(_ dbg: String) async throws(XenopsError) -> String { "(XEN) ready" }
    func hostSetWorkerPoolSize(_ dbg: String, size: Int) async throws(XenopsError) { record("hostSetWorkerPoolSize(\(size))") }
    func hostSendDebugKeys(_ dbg: String, keys: String) async throws(XenopsError) { record("hostSendDebugKeys(\(keys))") }
    func hostCombineCPUPolicies(_ dbg: String, policy1: String, policy2: String) async throws(XenopsError) -> String {
        record("hostCombineCPUPolicies(\(policy1),\(policy2))")
        return "0000000f"
    }
    func hostIsCompatible(_ dbg: String, vmPolicy: String, hostPolicy: String) async throws(XenopsError) -> Bool {
        record("hostIsCompatible(\(vmPolicy),\(hostPolicy))")
        return vmPolicy == hostPolicy
    }
    func hostSetNUMAAffinityPolicy(_ dbg: String, policy: NUMAAffinityPolicy?) async throws(XenopsError) {
        record("hostSetNUMAAffinityPolicy(\(policy?.rawValue ?? "default"))")
    }
    func observer(_ dbg: String, _ command: ObserverCommand) async throws(XenopsError) { record("observer(\(dbg),\(command))") }

    func vmAdd(_ dbg: String, vm: VM) async throws(XenopsError) -> String {
        record("vmAdd(\(vm.id))")
        return vm.id
    }

    func vmRemove(_ dbg: String, id: String) async throws(XenopsError) {
        record("vmRemove(\(id))")
        try known(id)
    }

    func vmExists(_ dbg: String, id: String) async throws(XenopsError) -> Bool { id == Self.vmID }

    func vmList(_ dbg: String) async throws(XenopsError) -> [(VM, VMState)] { [(Self.vm, .halted)] }

    func vmStat(_ dbg: String, id: String) async throws(XenopsError) -> (VM, VMState) {
        record("vmStat(\(id))")
        try known(id)
        return (Self.vm, .halted)
    }

    func vmImportMetadata(_ dbg: String, metadata: Metadata) async throws(XenopsError) -> String {
        record("vmImportMetadata(\(metadata.vm.id), vbds: \(metadata.vbds.count))")
        return metadata.vm.id
    }

    func vmImportMetadataAsync(_ dbg: String, metadata: Metadata) async throws(XenopsError) -> String { "58" }

    func vmExportMetadata(_ dbg: String, id: String) async throws(XenopsError) -> Metadata {
        try known(id)
        return Metadata(vm: Self.vm)
    }

    func vmOperation(_ dbg: String, id: String, _ operation: VMOperation) async throws(XenopsError) -> String {
        record("vmOperation(\(dbg), \(id), \(operation))")
        try known(id)
        return "57"
    }

    func vmMigrate(_ dbg: String, id: String, _ request: MigrateRequest) async throws(XenopsError) -> String {
        record("vmMigrate(\(dbg), \(id), \(request.xenopsURL))")
        try known(id)
        return "58"
    }

    func vbdAdd(_ dbg: String, vbd: VBD) async throws(XenopsError) -> DeviceID { vbd.id }
    func vbdRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { record("vbdRemove(\(id))") }
    func vbdStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VBD, VBDState) {
        (VBD(id: id, backend: .local("/dev/null")), VBDState())
    }
    func vbdList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VBD, VBDState)] { [] }
    func vifAdd(_ dbg: String, vif: VIF) async throws(XenopsError) -> DeviceID { vif.id }
    func vifRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) {}
    func vifStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VIF, VIFState) { (VIF(id: id), VIFState()) }
    func vifList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VIF, VIFState)] { [] }
    func pciAdd(_ dbg: String, pci: PCI) async throws(XenopsError) -> DeviceID { pci.id }
    func pciRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) {}
    func pciStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (PCI, PluggedState) {
        (PCI(id: id, position: 0, address: PCIAddress()), PluggedState(plugged: false))
    }
    func pciList(_ dbg: String, vm: String) async throws(XenopsError) -> [(PCI, PluggedState)] { [] }

    func updatesGet(_ dbg: String, lastID: Int?, timeout: Int?) async throws(XenopsError) -> UpdatesResult {
        record("updatesGet(\(lastID.map(String.init) ?? "nil"), \(timeout.map(String.init) ?? "nil"))")
        return UpdatesResult(barriers: [], ids: [.vm(Self.vmID)], next: (lastID ?? -1) + 1)
    }

    func updatesLastID(_ dbg: String) async throws(XenopsError) -> Int { 41 }
    func updatesInjectBarrier(_ dbg: String, vm: String, id: Int) async throws(XenopsError) { record("injectBarrier(\(vm), \(id))") }
    func updatesRemoveBarrier(_ dbg: String, id: Int) async throws(XenopsError) {}
    func updatesRefreshVM(_ dbg: String, vm: String) async throws(XenopsError) {}

    func debugTrigger(_ dbg: String, command: String, args: [String]) async throws(XenopsError) {
        record("debugTrigger(\(command), \(args))")
    }

    // Issue 9
    func vgpuAdd(_ dbg: String, vgpu: VGPU) async throws(XenopsError) -> DeviceID { vgpu.id }
    func vgpuRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { record("vgpuRemove(\(id))") }
    func vgpuStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VGPU, VGPUState) {
        try known(id.vm)
        return (VGPU(id: id), VGPUState())
    }
    func vgpuList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VGPU, VGPUState)] { [] }
    func vusbAdd(_ dbg: String, vusb: VUSB) async throws(XenopsError) -> DeviceID { vusb.id }
    func vusbRemove(_ dbg: String, id: DeviceID) async throws(XenopsError) { record("vusbRemove(\(id))") }
    func vusbStat(_ dbg: String, id: DeviceID) async throws(XenopsError) -> (VUSB, PluggedState) {
        (VUSB(id: id, hostbus: "1", hostport: "2", version: "2.0", path: "/dev/bus/usb/001/002", speed: 480), PluggedState(plugged: false))
    }
    func vusbList(_ dbg: String, vm: String) async throws(XenopsError) -> [(VUSB, PluggedState)] { [] }
    func pciDequarantine(_ dbg: String, address: PCIAddress) async throws(XenopsError) { record("pciDequarantine(\(address))") }
    func hostUpdateGuestAgentFeatures(_ dbg: String, features: [GuestAgentFeature]) async throws(XenopsError) {
        record("hostUpdateGuestAgentFeatures(\(features.map(\.name)))")
    }
}

import Synchronization
import XenopsBackend
import XenopsCore

/// Wraps a hypervisor and records every call the engine makes: which operation, on which VM,
/// and how many calls were in flight at once. Lets tests check FIFO order, parallelism and
/// that unmanaged domains are never touched, independently of the backend.
final class RecordingHypervisor: Hypervisor {
    struct Call: Sendable, Hashable {
        var operation: String
        var vm: String
    }

    private struct State {
        var calls: [Call] = []
        var inFlight: [String: Int] = [:]
        var maxInFlight: [String: Int] = [:]
    }

    let inner: any Hypervisor
    private let state = Mutex(State())

    init(_ inner: any Hypervisor) { self.inner = inner }

    var kind: String { inner.kind }
    var events: AsyncStream<BackendEvent> { inner.events }

    /// Every mutating call, in the order they started.
    var calls: [Call] { state.withLock { $0.calls } }
    /// The most calls of `operation` that ran at the same time.
    func maxConcurrent(_ operation: String) -> Int { state.withLock { $0.maxInFlight[operation] ?? 0 } }
    func calls(for vm: String) -> [String] { calls.filter { $0.vm == vm }.map(\.operation) }

    private func record<T>(_ operation: String, _ vm: String, _ body: () async throws -> T) async throws -> T {
        state.withLock { s in
            s.calls.append(Call(operation: operation, vm: vm))
            s.inFlight[operation, default: 0] += 1
            s.maxInFlight[operation] = max(s.maxInFlight[operation] ?? 0, s.inFlight[operation]!)
        }
        defer { state.withLock { $0.inFlight[operation, default: 1] -= 1 } }
        return try await body()
    }

    func hostInfo() async throws -> HostInfo { try await inner.hostInfo() }
    func totalMemoryMiB() async throws -> Int64 { try await inner.totalMemoryMiB() }
    func freeMemoryBytes() async throws -> Int64 { try await inner.freeMemoryBytes() }
    func consoleData() async throws -> String { try await inner.consoleData() }
    func sendDebugKeys(_ keys: String) async throws { try await inner.sendDebugKeys(keys) }
    func combineCPUFeaturesets(_ a: CPUFeatureset, _ b: CPUFeatureset) async throws -> CPUFeatureset { try await inner.combineCPUFeaturesets(a, b) }
    func checkCPUCompatibility(vm: CPUFeatureset, host: CPUFeatureset) async throws -> CPUCompatibility { try await inner.checkCPUCompatibility(vm: vm, host: host) }
    func listDomains() async throws -> [DomainInfo] { try await inner.listDomains() }
    func domainInfo(vm: String) async throws -> DomainInfo? { try await inner.domainInfo(vm: vm) }
    func createDomain(_ spec: DomainSpec) async throws -> DomainInfo { try await record("create", spec.vm.id) { try await inner.createDomain(spec) } }
    func pause(vm: String) async throws { try await record("pause", vm) { try await inner.pause(vm: vm) } }
    func unpause(vm: String) async throws { try await record("unpause", vm) { try await inner.unpause(vm: vm) } }
    func requestShutdown(vm: String, reason: ShutdownRequest, ackTimeout: Double) async throws {
        try await record("request-\(reason.rawValue)", vm) { try await inner.requestShutdown(vm: vm, reason: reason, ackTimeout: ackTimeout) }
    }
    func waitForShutdown(vm: String, timeout: Double) async throws -> ShutdownReason {
        try await record("wait-shutdown", vm) { try await inner.waitForShutdown(vm: vm, timeout: timeout) }
    }
    func destroy(vm: String) async throws { try await record("destroy", vm) { try await inner.destroy(vm: vm) } }
    func save(vm: String, to fd: Int32, live: Bool) async throws { try await record("save", vm) { try await inner.save(vm: vm, to: fd, live: live) } }
    func restore(_ spec: DomainSpec, from fd: Int32) async throws -> DomainInfo { try await record("restore", spec.vm.id) { try await inner.restore(spec, from: fd) } }
    func plugVBD(vm: String, _ vbd: VBD) async throws { try await record("plug-vbd", vm) { try await inner.plugVBD(vm: vm, vbd) } }
    func unplugVBD(vm: String, name: String, force: Bool) async throws { try await record("unplug-vbd", vm) { try await inner.unplugVBD(vm: vm, name: name, force: force) } }
    func insertMedia(vm: String, vbd: String, disk: Disk) async throws { try await record("insert", vm) { try await inner.insertMedia(vm: vm, vbd: vbd, disk: disk) } }
    func ejectMedia(vm: String, vbd: String) async throws { try await record("eject", vm) { try await inner.ejectMedia(vm: vm, vbd: vbd) } }
    func plugVIF(vm: String, _ vif: VIF) async throws { try await record("plug-vif", vm) { try await inner.plugVIF(vm: vm, vif) } }
    func unplugVIF(vm: String, name: String, force: Bool) async throws { try await record("unplug-vif", vm) { try await inner.unplugVIF(vm: vm, name: name, force: force) } }
    func setCarrier(vm: String, vif: String, carrier: Bool) async throws { try await record("carrier", vm) { try await inner.setCarrier(vm: vm, vif: vif, carrier: carrier) } }
    func plugPCI(vm: String, _ pci: PCI) async throws { try await record("plug-pci", vm) { try await inner.plugPCI(vm: vm, pci) } }
    func unplugPCI(vm: String, name: String) async throws { try await record("unplug-pci", vm) { try await inner.unplugPCI(vm: vm, name: name) } }
    func setVcpus(vm: String, count: Int) async throws { try await record("vcpus", vm) { try await inner.setVcpus(vm: vm, count: count) } }
    func setMemoryTarget(vm: String, bytes: Int64) async throws { try await record("memory", vm) { try await inner.setMemoryTarget(vm: vm, bytes: bytes) } }
    func setXSData(vm: String, _ data: [String: String]) async throws { try await record("xsdata", vm) { try await inner.setXSData(vm: vm, data) } }
    func debugTrigger(_ command: String, args: [String]) async throws { try await inner.debugTrigger(command, args: args) }
    func close() async { await inner.close() }
}

// Issue 9: forwarded so the engine reaches the simulator, not the protocol's `unsupported` defaults.
extension RecordingHypervisor {
    func requestRDP(vm: String, enabled: Bool) async throws { try await record("rdp", vm) { try await inner.requestRDP(vm: vm, enabled: enabled) } }
    func runScript(vm: String, script: String) async throws -> GuestScriptResult { try await record("run-script", vm) { try await inner.runScript(vm: vm, script: script) } }
    func setShadowMultiplier(vm: String, multiplier: Double) async throws {
        try await record("shadow", vm) { try await inner.setShadowMultiplier(vm: vm, multiplier: multiplier) }
    }
    func s3Suspend(vm: String) async throws { try await record("s3suspend", vm) { try await inner.s3Suspend(vm: vm) } }
    func s3Resume(vm: String) async throws { try await record("s3resume", vm) { try await inner.s3Resume(vm: vm) } }
    func applyVIFSetting(vm: String, _ vif: VIF, _ setting: VIFSetting) async throws {
        try await record(setting.methodName, vm) { try await inner.applyVIFSetting(vm: vm, vif, setting) }
    }
    func setVBDQoS(vm: String, _ vbd: VBD) async throws { try await record("vbd-qos", vm) { try await inner.setVBDQoS(vm: vm, vbd) } }
    func plugVUSB(vm: String, _ vusb: VUSB) async throws { try await record("plug-vusb", vm) { try await inner.plugVUSB(vm: vm, vusb) } }
    func unplugVUSB(vm: String, name: String) async throws { try await record("unplug-vusb", vm) { try await inner.unplugVUSB(vm: vm, name: name) } }
    func dequarantinePCI(_ address: PCIAddress) async throws { try await inner.dequarantinePCI(address) }
    func updateGuestAgentFeatures(_ features: [GuestAgentFeature]) async throws { try await inner.updateGuestAgentFeatures(features) }
}

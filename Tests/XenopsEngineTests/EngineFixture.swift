import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine
import XenopsSimulator
import XenopsStore

/// An engine over a simulator and a store in a temporary directory, both on disk so that a
/// test can "restart the daemon" by building new instances on the same files.
struct EngineFixture {
    let directory: String
    let simulator: SimulatedHypervisor
    let backend: RecordingHypervisor
    let engine: XenopsEngine
    let configuration: EngineConfiguration

    var simulatorStatePath: String { directory + "/simulator.json" }
    var storePath: String { directory + "/state.db" }

    static func make(
        stepLatency: Duration = .zero, workers: Int = 16, ackTimeout: Double = 2,
        minimumUptime: Double = 120, rebootLoopDelay: Double = 0.2, hooks: any HookRunning = NoHooks(), directory: String? = nil
    ) async throws -> EngineFixture {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("xenops-engine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var simConfig = SimulatorConfiguration()
        simConfig.statePath = dir + "/simulator.json"
        simConfig.stepLatency = stepLatency
        let simulator = try SimulatedHypervisor(configuration: simConfig)
        let backend = RecordingHypervisor(simulator)
        let store = try VMStore(path: dir + "/state.db")
        let config = EngineConfiguration(
            workers: workers, shutdownAckTimeout: ackTimeout, minimumUptime: minimumUptime, rebootLoopDelay: rebootLoopDelay, hooks: hooks
        )
        let engine = XenopsEngine(backend: backend, store: store, configuration: config)
        try await engine.start()
        return EngineFixture(directory: dir, simulator: simulator, backend: backend, engine: engine, configuration: config)
    }

    /// Drops this engine and simulator and builds new ones on the same files: a daemon restart.
    func restarted() async throws -> EngineFixture {
        await engine.close(timeout: .seconds(2))
        await simulator.close()
        return try await EngineFixture.make(
            workers: configuration.workers, ackTimeout: configuration.shutdownAckTimeout,
            minimumUptime: configuration.minimumUptime, rebootLoopDelay: configuration.rebootLoopDelay, hooks: configuration.hooks,
            directory: directory
        )
    }

    func cleanup() async {
        await engine.close(timeout: .seconds(2))
        await simulator.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Waits for a task to finish and returns its final record.
    @discardableResult
    func wait(_ taskID: String, timeout: Duration = .seconds(20)) async throws -> TaskInfo {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let info = try engine.tasks.stat(taskID)
            if info.state.isFinished { return info }
            try await Task.sleep(for: .milliseconds(2))
        }
        Issue.record("task \(taskID) did not finish within \(timeout)")
        return try engine.tasks.stat(taskID)
    }

    /// Runs an operation as a task and expects it to complete.
    func succeed(_ op: VMOperation, _ vm: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let info = try await wait(engine.submit(op, vm: vm, debugInfo: "test \(op.name)"))
        guard case .completed = info.state else {
            Issue.record("\(op.name) on \(vm) did not complete: \(info.state)", sourceLocation: sourceLocation)
            return
        }
    }

    /// Runs an operation as a task and returns the error it failed with.
    func failure(_ op: VMOperation, _ vm: String) async throws -> XenopsError? {
        let info = try await wait(engine.submit(op, vm: vm, debugInfo: "test \(op.name)"))
        guard case .failed(let json) = info.state else { return nil }
        return try XenopsError(xenops: json)
    }

    func power(_ vm: String) async throws -> PowerState {
        try await engine.statVM(vm).1.powerState
    }

    /// Defines a VM with one disk, one CD drive and one NIC, and returns its id.
    @discardableResult
    func define(_ id: String = UUID().uuidString.lowercased(), memoryMiB: Int64 = 256, onReboot: [VMAction] = [.start], onShutdown: [VMAction] = [.shutdown], onCrash: [VMAction] = [.start]) async throws -> String {
        var vm = VM(id: id, name: "test-\(id.prefix(8))", ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/boot/vmlinuz", cmdline: "console=hvc0")))), memoryStaticMax: memoryMiB << 20, vcpuMax: 2, vcpus: 1)
        vm.onReboot = onReboot
        vm.onShutdown = onShutdown
        vm.onCrash = onCrash
        let md = Metadata(
            vm: vm,
            vbds: [
                VBD(id: DeviceID(vm: id, name: "xvda"), position: DevicePosition(bus: .xen, disk: 0), backend: .local("/dev/vg/\(id.prefix(8))")),
                VBD(id: DeviceID(vm: id, name: "xvdd"), position: DevicePosition(bus: .xen, disk: 3), mode: .readOnly, backend: nil, ty: .cdrom),
            ],
            vifs: [VIF(id: DeviceID(vm: id, name: "0"), mac: "aa:bb:cc:00:00:01")]
        )
        return try await engine.importMetadata(md, debugInfo: "test define")
    }

    /// Defines, starts and unpauses a VM.
    @discardableResult
    func running(_ id: String = UUID().uuidString.lowercased(), onReboot: [VMAction] = [.start], onShutdown: [VMAction] = [.shutdown], onCrash: [VMAction] = [.start]) async throws -> String {
        let vm = try await define(id, onReboot: onReboot, onShutdown: onShutdown, onCrash: onCrash)
        try await succeed(.start(force: false), vm)
        try await succeed(.unpause, vm)
        return vm
    }

    /// Polls until `condition` holds or the timeout passes.
    func eventually(_ timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }
}

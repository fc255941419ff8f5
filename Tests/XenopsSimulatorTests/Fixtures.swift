import Foundation
import XenopsBackend
import XenopsCore
import XenopsSimulator
import XenopsTestSupport

/// A PV test VM spec with a fresh uuid.
func makeSpec(
    _ uuid: String = UUID().uuidString.lowercased(), name: String = "test", memory: Int64 = 256 << 20,
    vcpus: Int = 1, vcpuMax: Int = 2
) -> DomainSpec {
    let vm = VM(
        id: uuid, name: name, ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/boot/vmlinuz")))),
        memoryStaticMax: memory, vcpuMax: vcpuMax, vcpus: vcpus)
    return DomainSpec(vm: vm)
}

func disk(_ vm: String, _ name: String, _ path: String? = nil, kind: VBD.Kind = .disk) -> VBD {
    VBD(id: DeviceID(vm: vm, name: name), backend: path.map(Disk.local), ty: kind)
}

func nic(_ vm: String, _ name: String) -> VIF {
    VIF(id: DeviceID(vm: vm, name: name), mac: "00:16:3e:00:00:0\(name.suffix(1))")
}

/// Runs `body` with a fresh simulator and closes it afterwards.
func withSimulator<T: Sendable>(
    _ configuration: SimulatorConfiguration = .init(), _ body: (SimulatedHypervisor) async throws -> T
) async throws -> T {
    let sim = try SimulatedHypervisor(configuration: configuration)
    do {
        let result = try await body(sim)
        await sim.close()
        return result
    } catch {
        await sim.close()
        throw error
    }
}

/// The recorded events about `vm`.
func events(_ log: ConformanceEventLog, about vm: String) -> [BackendEvent] {
    log.all.filter { $0.vm == vm }
}

/// Waits (briefly) until the log holds an event about `vm` that `matching` accepts.
func waitForEvent(_ log: ConformanceEventLog, about vm: String, _ matching: @escaping @Sendable (BackendEvent) -> Bool) async throws -> BackendEvent {
    try await log.wait(for: "test", timeout: 5) { $0.vm == vm && matching($0) }
}

extension BackendEvent {
    var isShutdown: Bool { if case .domainShutdown = self { return true } else { return false } }
    var isDied: Bool { if case .domainDied = self { return true } else { return false } }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}

import Foundation
import XenopsBackend
import XenopsCore

/// Test and demo controls that are not part of the ``Hypervisor`` protocol.
extension SimulatedHypervisor {
    // MARK: Fault injection

    /// Makes the next `count` calls of `operation` (about `vm`, or any VM when nil) throw
    /// `error` after their latency, without changing anything.
    public func failNext(_ operation: SimulatedOperation, vm: String? = nil, with error: BackendError, count: Int = 1) {
        guard count > 0 else { return }
        state.withLock { $0.faults.append(FaultRule(operation: operation, vm: vm, error: error, remaining: count)) }
    }

    /// Makes every call of `operation` (about `vm`, or any VM when nil) throw `error` until
    /// ``clearFaults()``. The default error is a generic backend failure.
    public func failAlways(_ operation: SimulatedOperation, vm: String? = nil, with error: BackendError? = nil) {
        let error = error ?? .failed(
            operation: operation.rawValue, code: Code.fail, detail: "injected failure",
            remedy: "Clear the simulator's fault injection.")
        state.withLock { $0.faults.append(FaultRule(operation: operation, vm: vm, error: error, remaining: nil)) }
    }

    /// Removes every injected fault.
    public func clearFaults() {
        state.withLock { $0.faults = [] }
    }

    // MARK: Guest behaviour

    /// Sets how the guest of `vm` answers shutdown requests; nil restores the default.
    /// Takes effect for the next request (and for one still waiting for its acknowledgement).
    public func setGuestBehaviour(_ behaviour: GuestBehaviour?, for vm: String) {
        state.withLock { $0.behaviours[vm] = behaviour }
    }

    /// Sets how guests without their own setting answer shutdown requests.
    public func setDefaultGuestBehaviour(_ behaviour: GuestBehaviour) {
        state.withLock { $0.defaultBehaviour = behaviour }
    }

    /// How the guest of `vm` answers shutdown requests now.
    public func guestBehaviour(for vm: String) -> GuestBehaviour {
        state.withLock { $0.behaviour(for: vm) }
    }

    // MARK: History

    /// Every mutating call received, oldest first (up to ``SimulatorConfiguration/historyLimit``),
    /// recorded when the call arrives, whether or not it then succeeds.
    public func calls() -> [SimulatorCall] {
        state.withLock { $0.calls }
    }

    /// ``calls()`` as `"<operation> <vm> <detail>"` lines, e.g. `"plugVBD 8f3e… xvdb"`.
    public func history() -> [String] {
        calls().map(\.description)
    }

    /// The mutating calls about `vm`, oldest first.
    public func calls(for vm: String) -> [SimulatorCall] {
        calls().filter { $0.vm == vm }
    }

    /// Forgets the recorded calls.
    public func clearHistory() {
        state.withLock { $0.calls = [] }
    }

    // MARK: Inspection

    /// The `vm-data` keys of the domain of `vm` (from the spec and ``setXSData(vm:_:)``), or
    /// nil if it has no domain. ``DomainInfo`` does not carry them.
    public func xenstoreData(vm: String) -> [String: String]? {
        state.withLock { $0.world.domains[vm]?.xsdata }
    }

    // MARK: Unmanaged domains

    /// Creates a domain the way `xl create` would, outside the daemon: running (or paused),
    /// charged against host memory, with ``DomainInfo/creator`` `"xl"` and no devices. It is not
    /// recorded in the history, so tests can check the daemon never touches it.
    ///
    /// - Throws: `alreadyExists` if the uuid has a domain, `notEnoughMemory` if it does not fit.
    @discardableResult
    public func createUnmanagedDomain(
        uuid: String = UUID().uuidString.lowercased(), name: String, memory: Int64, vcpus: Int = 1, paused: Bool = false
    ) throws -> DomainInfo {
        try transact { s, fx in
            guard uuid != Self.dom0UUID, s.world.domains[uuid] == nil else {
                throw BackendError.xenops(.alreadyExists(namespace: "domain", path: uuid))
            }
            guard (1...configuration.maxVcpusPerDomain).contains(vcpus) else { throw BackendError.xenops(.invalidVcpus(vcpus)) }
            guard memory > 0, memory <= freeBytes(s.world) else { throw BackendError.xenops(.notEnoughMemory(memory)) }
            let d = SimulatedDomain(
                domid: s.world.allocateDomid(), uuid: uuid, name: name, state: paused ? .paused : .running,
                domainType: DomainType.pv.rawValue, memoryMax: memory, memoryTarget: memory, memoryActual: memory,
                vcpusMax: vcpus, vcpusOnline: vcpus, startTime: Date().timeIntervalSince1970,
                creator: Self.unmanagedCreator)
            s.world.domains[uuid] = d
            s.console.append("simulator: xl created domain \(d.domid) (\(uuid), \"\(name)\")")
            fx.events.append(.domainChanged(vm: uuid))
            return d.info
        }
    }
}

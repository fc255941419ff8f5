import Foundation
import XenopsBackend
import XenopsCore

extension SimulatedHypervisor {
    /// Reserves `max(memory_static_max, memory_dynamic_max)` (else `notEnoughMemory`),
    /// allocates the next domid and attaches the spec's devices; the domain is left paused and
    /// `.domainChanged` is emitted. Nothing is left behind on failure.
    public func createDomain(_ spec: DomainSpec) async throws -> DomainInfo {
        try await begin(.createDomain, vm: spec.vm.id)
        return try await commit { s, fx in
            let d = try build(spec, in: &s, for: .createDomain)
            s.console.append("simulator: created domain \(d.domid) (\(d.uuid), \"\(d.name)\", \(d.memoryMax >> 20) MiB, \(d.vcpusOnline)/\(d.vcpusMax) vCPUs), paused")
            fx.events.append(.domainChanged(vm: d.uuid))
            return d.info
        }
    }

    /// Checks `spec`, reserves memory, allocates a domid and adds a paused domain with the
    /// spec's devices to the world. Throws before changing anything if the spec cannot be built.
    func build(_ spec: DomainSpec, in s: inout SimulatorState, for operation: SimulatedOperation) throws -> SimulatedDomain {
        let vm = spec.vm
        guard !vm.id.isEmpty else {
            throw BackendError.failed(operation: operation.rawValue, code: Code.invalid, detail: "the VM id is empty", remedy: "Give the VM a uuid.")
        }
        guard vm.id != Self.dom0UUID, s.world.domains[vm.id] == nil else {
            throw BackendError.xenops(.alreadyExists(namespace: "domain", path: vm.id))
        }
        guard (1...configuration.maxVcpusPerDomain).contains(vm.vcpuMax) else { throw BackendError.xenops(.invalidVcpus(vm.vcpuMax)) }
        guard (1...vm.vcpuMax).contains(vm.vcpus) else { throw BackendError.xenops(.invalidVcpus(vm.vcpus)) }
        let reservation = max(vm.memoryStaticMax, vm.memoryDynamicMax)
        guard reservation > 0 else {
            throw BackendError.failed(
                operation: operation.rawValue, code: Code.invalid,
                detail: "VM \(vm.id) has no memory (memory_static_max \(vm.memoryStaticMax))",
                remedy: "Set memory_static_max and memory_dynamic_max.")
        }
        guard reservation <= freeBytes(s.world) else { throw BackendError.xenops(.notEnoughMemory(reservation)) }
        try checkDistinct(spec.vbds.map(\.id.name), kind: "VBD", vm: vm.id, operation)
        try checkDistinct(spec.vifs.map(\.id.name), kind: "VIF", vm: vm.id, operation)
        try checkDistinct(spec.pcis.map(\.id.name), kind: "PCI", vm: vm.id, operation)
        for pci in spec.pcis { try checkAssignable(pci, world: s.world, operation) }

        let target = vm.memoryDynamicMax > 0 ? min(vm.memoryDynamicMax, reservation) : reservation
        var d = SimulatedDomain(
            domid: s.world.allocateDomid(), uuid: vm.id, name: vm.name, state: .paused,
            domainType: vm.ty.domainType.rawValue, memoryMax: reservation, memoryTarget: target,
            memoryActual: target, vcpusMax: vm.vcpuMax, vcpusOnline: vm.vcpus,
            startTime: Date().timeIntervalSince1970, creator: Self.managedCreator)
        for vbd in spec.vbds { d.vbds[vbd.id.name] = .init(vbd) }
        for vif in spec.vifs { d.vifs[vif.id.name] = .init(vif) }
        for pci in spec.pcis { d.pcis[pci.id.name] = pci.address.description }
        d.xsdata = vm.xsdata
        d.numaAffinityPolicy = spec.numaAffinityPolicy.rawValue
        s.world.domains[vm.id] = d
        announceGuestAgent(domid: d.domid, in: &s)
        return d
    }

    func checkDistinct(_ names: [String], kind: String, vm: String, _ operation: SimulatedOperation) throws {
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw BackendError.xenops(.alreadyExists(namespace: kind, path: "\(vm).\(name)"))
        }
    }

    /// A host PCI function can be passed through to one domain at a time.
    func checkAssignable(_ pci: PCI, world: SimulatedWorld, _ operation: SimulatedOperation) throws {
        let address = pci.address.description
        if let owner = world.domains.values.first(where: { $0.pcis.values.contains(address) }) {
            throw BackendError.failed(
                operation: operation.rawValue, code: Code.fail,
                detail: "PCI device \(address) is already assigned to domain \(owner.domid) (\(owner.uuid))",
                remedy: "Unplug it from that VM first.")
        }
    }

    /// Pauses a running domain; a paused or shut-down one is left as it is.
    public func pause(vm: String) async throws {
        try await begin(.pause, vm: vm)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .pause)
            // Pausing a paused or shut-down domain changes nothing, as in Xen.
            guard d.state == .running else { return }
            s.world.domains[vm]?.state = .paused
            s.console.append("simulator: paused domain \(d.domid)")
            fx.events.append(.domainChanged(vm: vm))
        }
    }

    /// Runs a paused domain; a running or shut-down one is left as it is.
    public func unpause(vm: String) async throws {
        try await begin(.unpause, vm: vm)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .unpause)
            // Unpausing a shut-down domain does not make it run again, as in Xen.
            guard d.state == .paused else { return }
            s.world.domains[vm]?.state = .running
            s.console.append("simulator: unpaused domain \(d.domid)")
            fx.events.append(.domainChanged(vm: vm))
        }
    }

    /// Destroys the domain: it is listed as `.dying` while the operation's latency elapses,
    /// then removed, its memory freed and `.domainDied` emitted. Succeeds if there is no domain.
    /// Cancellation cuts the latency short but the domain is still destroyed (Xen cannot undo a
    /// destroy either).
    public func destroy(vm: String) async throws {
        try await begin(.destroy, vm: vm, latency: false)
        let latency = configuration.latency(for: .destroy)
        let dying: Bool = try await commit { s, _ in
            if vm == Self.dom0UUID { _ = try Self.guest(s, vm, for: .destroy) }
            guard let d = s.world.domains[vm], d.state != .dying else { return false }
            s.forgetGuest(vm)
            if latency > .zero { s.world.domains[vm]?.state = .dying }
            return true
        }
        guard dying else { return }
        if latency > .zero { try? await Task.sleep(for: latency) }
        try await commit { s, fx in
            guard let d = s.world.domains.removeValue(forKey: vm) else { return }
            s.forgetGuest(vm)
            releaseGuestResources(of: d, in: &s)
            s.console.append("simulator: destroyed domain \(d.domid) (\(vm)), freed \(d.memoryMax >> 20) MiB")
            fx.events.append(.domainDied(vm: vm, domid: d.domid))
        }
    }
}

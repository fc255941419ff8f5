import XenopsBackend
import XenopsCore

extension SimulatedHypervisor {
    /// Runs a device change on the guest domain of `vm` and emits `.deviceChanged`.
    private func changeDevice(
        _ operation: SimulatedOperation, vm: String, device: DynamicID,
        _ body: (inout SimulatedDomain) throws -> String
    ) async throws {
        try await commit { s, fx in
            var d = try Self.guest(s, vm, for: operation)
            let what = try body(&d)
            s.world.domains[vm] = d
            s.console.append("simulator: domain \(d.domid): \(what)")
            fx.events.append(.deviceChanged(vm: vm, device: device))
        }
    }

    private static func vbdID(_ vm: String, _ name: String) -> DynamicID { .vbd(DeviceID(vm: vm, name: name)) }
    private static func vifID(_ vm: String, _ name: String) -> DynamicID { .vif(DeviceID(vm: vm, name: name)) }

    /// Attaches a disk. Throws `alreadyExists` if a VBD of that name is attached.
    public func plugVBD(vm: String, _ vbd: VBD) async throws {
        let name = vbd.id.name
        try await begin(.plugVBD, vm: vm, detail: name)
        try await changeDevice(.plugVBD, vm: vm, device: Self.vbdID(vm, name)) { d in
            guard d.vbds[name] == nil else { throw BackendError.xenops(.alreadyExists(namespace: "VBD", path: "\(vm).\(name)")) }
            d.vbds[name] = .init(vbd)
            return "plugged VBD \(name) (\(vbd.ty.rawValue), \(vbd.mode.rawValue))"
        }
    }

    /// Detaches a disk. A VBD that is not `unpluggable` is refused unless `force` is set.
    public func unplugVBD(vm: String, name: String, force: Bool) async throws {
        try await begin(.unplugVBD, vm: vm, detail: force ? "\(name) force" : name)
        try await changeDevice(.unplugVBD, vm: vm, device: Self.vbdID(vm, name)) { d in
            guard let disk = d.vbds[name] else { throw BackendError.noDevice(vm: vm, device: name) }
            guard disk.unpluggable || force else {
                throw BackendError.xenops(.deviceDetachRejected(kind: "VBD", id: name, reason: "the device is not unpluggable"))
            }
            d.vbds[name] = nil
            return "unplugged VBD \(name)"
        }
    }

    /// Puts media in an empty CD or floppy drive.
    public func insertMedia(vm: String, vbd: String, disk: Disk) async throws {
        try await begin(.insertMedia, vm: vm, detail: vbd)
        try await changeDevice(.insertMedia, vm: vm, device: Self.vbdID(vm, vbd)) { d in
            guard let drive = d.vbds[vbd] else { throw BackendError.noDevice(vm: vm, device: vbd) }
            guard drive.isRemovable else { throw BackendError.xenops(.mediaNotEjectable) }
            guard drive.media == nil else { throw BackendError.xenops(.mediaPresent) }
            d.vbds[vbd]?.media = .init(disk)
            return "inserted media in \(vbd)"
        }
    }

    /// Empties a CD or floppy drive.
    public func ejectMedia(vm: String, vbd: String) async throws {
        try await begin(.ejectMedia, vm: vm, detail: vbd)
        try await changeDevice(.ejectMedia, vm: vm, device: Self.vbdID(vm, vbd)) { d in
            guard let drive = d.vbds[vbd] else { throw BackendError.noDevice(vm: vm, device: vbd) }
            guard drive.isRemovable else { throw BackendError.xenops(.mediaNotEjectable) }
            guard drive.media != nil else { throw BackendError.xenops(.mediaNotPresent) }
            d.vbds[vbd]?.media = nil
            return "ejected the media of \(vbd)"
        }
    }

    /// Attaches a NIC. Throws `alreadyExists` if a VIF of that name is attached.
    public func plugVIF(vm: String, _ vif: VIF) async throws {
        let name = vif.id.name
        try await begin(.plugVIF, vm: vm, detail: name)
        try await changeDevice(.plugVIF, vm: vm, device: Self.vifID(vm, name)) { d in
            guard d.vifs[name] == nil else { throw BackendError.xenops(.alreadyExists(namespace: "VIF", path: "\(vm).\(name)")) }
            let nic = SimulatedDomain.VirtualNIC(vif)
            d.vifs[name] = nic
            return "plugged VIF \(name) (\(nic.mac) on \(nic.network))"
        }
    }

    /// Detaches a NIC (`force` makes no difference: simulated guests never hold on to a NIC).
    public func unplugVIF(vm: String, name: String, force: Bool) async throws {
        try await begin(.unplugVIF, vm: vm, detail: force ? "\(name) force" : name)
        try await changeDevice(.unplugVIF, vm: vm, device: Self.vifID(vm, name)) { d in
            guard d.vifs[name] != nil else { throw BackendError.noDevice(vm: vm, device: name) }
            d.vifs[name] = nil
            return "unplugged VIF \(name)"
        }
    }

    /// Sets the link state the guest sees on a NIC.
    public func setCarrier(vm: String, vif: String, carrier: Bool) async throws {
        try await begin(.setCarrier, vm: vm, detail: "\(vif) \(carrier)")
        try await changeDevice(.setCarrier, vm: vm, device: Self.vifID(vm, vif)) { d in
            guard d.vifs[vif] != nil else { throw BackendError.noDevice(vm: vm, device: vif) }
            d.vifs[vif]?.carrier = carrier
            return "carrier of VIF \(vif) \(carrier ? "up" : "down")"
        }
    }

    /// Passes a host PCI function through. A function can belong to one domain at a time.
    public func plugPCI(vm: String, _ pci: PCI) async throws {
        let name = pci.id.name
        try await begin(.plugPCI, vm: vm, detail: name)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .plugPCI)
            guard d.pcis[name] == nil else { throw BackendError.xenops(.alreadyExists(namespace: "PCI", path: "\(vm).\(name)")) }
            try checkAssignable(pci, world: s.world, .plugPCI)
            s.world.domains[vm]?.pcis[name] = pci.address.description
            s.world.quarantinedPCI?.remove(pci.address.description)
            s.console.append("simulator: domain \(d.domid): plugged PCI \(name) (\(pci.address))")
            fx.events.append(.deviceChanged(vm: vm, device: .pci(DeviceID(vm: vm, name: name))))
        }
    }

    /// Removes a passed-through PCI function. Like Xen, it goes to quarantine (no domain may
    /// use it, dom0 neither) until ``dequarantinePCI(_:)`` or a new plug.
    public func unplugPCI(vm: String, name: String) async throws {
        try await begin(.unplugPCI, vm: vm, detail: name)
        try await commit { s, fx in
            let d = try Self.guest(s, vm, for: .unplugPCI)
            guard let address = d.pcis[name] else { throw BackendError.noDevice(vm: vm, device: name) }
            s.world.domains[vm]?.pcis[name] = nil
            s.world.quarantinedPCI = (s.world.quarantinedPCI ?? []).union([address])
            s.console.append("simulator: domain \(d.domid): unplugged PCI \(name); \(address) quarantined")
            fx.events.append(.deviceChanged(vm: vm, device: .pci(DeviceID(vm: vm, name: name))))
        }
    }

    // MARK: - vCPUs, memory and xenstore data

    /// Runs a change on the guest domain of `vm` and emits `.domainChanged`.
    private func changeDomain(_ operation: SimulatedOperation, vm: String, _ body: (inout SimulatedDomain) throws -> String) async throws {
        try await commit { s, fx in
            var d = try Self.guest(s, vm, for: operation)
            let what = try body(&d)
            s.world.domains[vm] = d
            s.console.append("simulator: domain \(d.domid): \(what)")
            fx.events.append(.domainChanged(vm: vm))
        }
    }

    /// Sets the online vCPUs; `count` must lie in 1…vcpu_max, else `invalidVcpus(count)`.
    public func setVcpus(vm: String, count: Int) async throws {
        try await begin(.setVcpus, vm: vm, detail: String(count))
        try await changeDomain(.setVcpus, vm: vm) { d in
            guard (1...d.vcpusMax).contains(count) else { throw BackendError.xenops(.invalidVcpus(count)) }
            d.vcpusOnline = count
            return "\(count) of \(d.vcpusMax) vCPUs online"
        }
    }

    /// Sets the balloon target; the simulated balloon driver reaches it at once.
    public func setMemoryTarget(vm: String, bytes: Int64) async throws {
        try await begin(.setMemoryTarget, vm: vm, detail: String(bytes))
        try await changeDomain(.setMemoryTarget, vm: vm) { d in
            guard bytes > 0, bytes <= d.memoryMax else {
                throw BackendError.failed(
                    operation: "setMemoryTarget", code: Code.invalid,
                    detail: "target \(bytes) bytes is outside 1…\(d.memoryMax) (the domain's maximum)",
                    remedy: "Use a target between dynamic_min and the domain's static maximum.")
            }
            d.memoryTarget = bytes
            d.memoryActual = bytes
            return "memory target \(bytes >> 20) MiB"
        }
    }

    /// Merges `data` into the domain's `vm-data` keys.
    public func setXSData(vm: String, _ data: [String: String]) async throws {
        try await begin(.setXSData, vm: vm, detail: data.keys.sorted().joined(separator: ","))
        try await changeDomain(.setXSData, vm: vm) { d in
            d.xsdata.merge(data) { _, new in new }
            return "wrote \(data.count) vm-data key(s)"
        }
    }
}

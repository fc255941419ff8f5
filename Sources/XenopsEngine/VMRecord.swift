import Foundation
import XenopsCore
import XenopsStore

/// What the engine knows about one VM: its configuration and devices (persisted) and the
/// runtime facts it must keep across a daemon restart.
struct VMRecord: Sendable {
    var vm: VM
    var vbds: [String: VBD] = [:]
    var vifs: [String: VIF] = [:]
    var pcis: [String: PCI] = [:]
    var vgpus: [String: VGPU] = [:]
    var vusbs: [String: VUSB] = [:]
    var domains: String?
    var runtime = VMRuntime()

    init(metadata: Metadata) {
        vm = metadata.vm
        for d in metadata.vbds { vbds[d.id.name] = d }
        for d in metadata.vifs { vifs[d.id.name] = d }
        for d in metadata.pcis { pcis[d.id.name] = d }
        for d in metadata.vgpus { vgpus[d.id.name] = d }
        for d in metadata.vusbs { vusbs[d.id.name] = d }
        domains = metadata.domains
    }

    /// The xenops metadata of this VM, devices in a stable order.
    var metadata: Metadata {
        Metadata(
            vm: vm,
            vbds: vbds.values.sorted { $0.id.name < $1.id.name },
            vifs: vifs.values.sorted { ($0.position, $0.id.name) < ($1.position, $1.id.name) },
            pcis: pcis.values.sorted { ($0.position, $0.id.name) < ($1.position, $1.id.name) },
            vgpus: vgpus.values.sorted { $0.id.name < $1.id.name },
            vusbs: vusbs.values.sorted { $0.id.name < $1.id.name },
            domains: domains
        )
    }

    /// Every UPDATES id of the VM and its devices.
    var allIDs: [DynamicID] {
        var ids: [DynamicID] = [.vm(vm.id)]
        ids += vbds.keys.sorted().map { .vbd(DeviceID(vm: vm.id, name: $0)) }
        ids += vifs.keys.sorted().map { .vif(DeviceID(vm: vm.id, name: $0)) }
        ids += pcis.keys.sorted().map { .pci(DeviceID(vm: vm.id, name: $0)) }
        ids += vgpus.keys.sorted().map { .vgpu(DeviceID(vm: vm.id, name: $0)) }
        ids += vusbs.keys.sorted().map { .vusb(DeviceID(vm: vm.id, name: $0)) }
        return ids
    }
}

/// Runtime facts kept in the store's `runtime` column.
struct VMRuntime: Sendable, Codable, Hashable {
    /// When the current domain was started (seconds since the epoch), 0 if never.
    var lastStartTime: Double = 0
    /// The dom0 path of the suspend image while the VM is suspended.
    var suspendImage: String?
}

extension VMRecord {
    /// The store's form: JSON text made with the xenops codec.
    var stored: StoredVM {
        var devices: [StoredDevice] = []
        for (name, d) in vbds { devices.append(StoredDevice(kind: .vbd, id: name, config: d.xenops.jsonString)) }
        for (name, d) in vifs { devices.append(StoredDevice(kind: .vif, id: name, config: d.xenops.jsonString)) }
        for (name, d) in pcis { devices.append(StoredDevice(kind: .pci, id: name, config: d.xenops.jsonString)) }
        for (name, d) in vgpus { devices.append(StoredDevice(kind: .vgpu, id: name, config: d.xenops.jsonString)) }
        for (name, d) in vusbs { devices.append(StoredDevice(kind: .vusb, id: name, config: d.xenops.jsonString)) }
        let runtimeText = (try? JSONEncoder().encode(runtime)).flatMap { String(data: $0, encoding: .utf8) }
        return StoredVM(id: vm.id, config: vm.xenops.jsonString, devices: devices, domains: domains, runtime: runtimeText)
    }

    /// Rebuilds a record from the store.
    init(stored: StoredVM) throws {
        vm = try VM(xenops: try JSONValue.parse(stored.config))
        for device in stored.devices {
            let json = try JSONValue.parse(device.config)
            switch device.kind {
            case .vbd: vbds[device.id] = try VBD(xenops: json)
            case .vif: vifs[device.id] = try VIF(xenops: json)
            case .pci: pcis[device.id] = try PCI(xenops: json)
            case .vgpu: vgpus[device.id] = try VGPU(xenops: json)
            case .vusb: vusbs[device.id] = try VUSB(xenops: json)
            }
        }
        domains = stored.domains
        if let text = stored.runtime, let data = text.data(using: .utf8) {
            runtime = (try? JSONDecoder().decode(VMRuntime.self, from: data)) ?? VMRuntime()
        }
    }
}

import Foundation

extension Metadata {
    /// The metadata a migration source sends to the destination (xenopsd's `export_metadata
    /// vdi_map vif_map vgpu_pci_map`): VDIs of the VBDs and of an indirect bootloader remapped
    /// by `vdiMap`, VIF backends by `vifMap` (keyed by VIF device name), vGPU physical and
    /// virtual functions by `pciMap` (`"<name>"` and `"vf:<name>"`), and the PCI devices that
    /// followed a moved vGPU given the new address and an id made from it.
    public func remapped(for request: MigrateRequest) -> Metadata {
        var m = self
        func remap(_ disk: Disk) -> Disk {
            if case .vdi(let vdi) = disk, let target = request.vdiMap[vdi] { return .vdi(target) }
            return disk
        }
        func remapBoot(_ info: PVInfo) -> PVInfo {
            var info = info
            if case .indirect(var boot) = info.boot {
                boot.devices = boot.devices.map(remap)
                info.boot = .indirect(boot)
            }
            return info
        }
        switch m.vm.ty {
        case .hvm: break
        case .pv(let info): m.vm.ty = .pv(remapBoot(info))
        case .pvInPVH(let info): m.vm.ty = .pvInPVH(remapBoot(info))
        case .pvh(let info): m.vm.ty = .pvh(remapBoot(info))
        }
        for i in m.vbds.indices { m.vbds[i].backend = m.vbds[i].backend.map(remap) }
        for i in m.vifs.indices {
            if let network = request.vifMap[m.vifs[i].id.name] { m.vifs[i].backend = network }
        }
        // A vGPU's functions move to the addresses given; a PCI device that was one of those
        // functions moves with it (xenopsd's `pci_map vgpus_src vgpus_dst`).
        var moved: [PCIAddress: PCIAddress] = [:]
        for i in m.vgpus.indices {
            let before = m.vgpus[i]
            if let pf = request.pciMap[before.id.name] { m.vgpus[i].physicalPCIAddress = pf }
            if let vf = request.pciMap["vf:" + before.id.name] { m.vgpus[i].virtualPCIAddress = vf }
            let after = m.vgpus[i]
            if before.physicalPCIAddress != after.physicalPCIAddress { moved[before.physicalPCIAddress] = after.physicalPCIAddress }
            if let old = before.virtualPCIAddress, let new = after.virtualPCIAddress, old != new { moved[old] = new }
        }
        for i in m.pcis.indices {
            guard let target = moved[m.pcis[i].address] else { continue }
            m.pcis[i].address = target
            m.pcis[i].id.name = String(format: "%04x:%02x:%02x.%01x", target.domain, target.bus, target.dev, target.fn)
        }
        return m
    }

    /// The JSON text of `self` with every occurrence of `id` replaced by `replacement`, as
    /// xenopsd rewrites the exported metadata for the destination (a textual replace over the
    /// whole document: the VM id, the device ids and any reference in other keys).
    public func jsonText(replacing id: String, with replacement: String) -> String {
        let text = xenops.jsonString
        guard !id.isEmpty else { return text }
        return text.replacingOccurrences(of: id, with: replacement)
    }
}

import Foundation
import XenopsBackend
import XenopsCore

/// What the daemon keeps with each domain it creates, as libxl userdata under the id
/// ``LibxlHypervisor/userdataID`` (`/var/lib/xen/userdata-d.<domid>.<uuid>.xenopsd-ng`).
///
/// It marks the domain as ours (``XenopsBackend/DomainInfo/creator``) and maps xenops device
/// names to libxl's device keys, so devices can be found again after a daemon restart. libxl's
/// own configuration of the running domain is its `libxl-json` userdata, which libxl keeps up
/// to date itself. Userdata is deleted by libxl when the domain is destroyed.
struct DomainRecord: Codable, Sendable, Hashable {
    /// Bumped when the format changes incompatibly.
    var version = 1
    var vm: String
    /// `DomainType` raw value (PV-in-PVH cannot be told from PVH by libxl).
    var domainType: String
    /// Seconds since the epoch.
    var createdAt: Double
    var vbds: [String: VBDRecord] = [:]
    var vifs: [String: VIFRecord] = [:]
    /// PCI device name → `dddd:bb:dd.f`.
    var pcis: [String: PCIRecord] = [:]

    struct VBDRecord: Codable, Sendable, Hashable {
        var vdev: String
        var cdrom: Bool
        var unpluggable: Bool
        /// The media path (Local) for the API's view; nil for an empty drive.
        var media: String?
    }

    struct VIFRecord: Codable, Sendable, Hashable {
        var devid: Int
        var mac: String
        /// Set by `setCarrier`; nil (absent in older records) means up.
        var carrier: Bool?
    }

    struct PCIRecord: Codable, Sendable, Hashable {
        var domain: Int
        var bus: Int
        var dev: Int
        var fn: Int

        init(_ a: PCIAddress) {
            domain = a.domain
            bus = a.bus
            dev = a.dev
            fn = a.fn
        }

        var address: PCIAddress { PCIAddress(domain: domain, bus: bus, dev: dev, fn: fn) }
    }

    var type: DomainType { DomainType(rawValue: domainType) ?? .undefined }

    /// The VBD name whose guest device is `vdev`.
    func vbdName(vdev: String) -> String? { vbds.first { $0.value.vdev == vdev }?.key }

    /// The devices as ``XenopsBackend/DomainDevices`` reports them.
    var devices: DomainDevices {
        DomainDevices(
            vbds: vbds.mapValues { $0.media.map(Disk.local) },
            vifs: vifs.mapValues { $0.carrier ?? true },
            pcis: Set(pcis.keys))
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? []
    }

    static func decode(_ bytes: [UInt8]) -> DomainRecord? {
        try? JSONDecoder().decode(DomainRecord.self, from: Data(bytes))
    }

    /// A record for a domain about to be created from `spec`.
    init(spec: DomainSpec, vbdVdev: (VBD) -> String, now: Double) {
        vm = spec.vm.id
        domainType = spec.vm.ty.domainType.rawValue
        createdAt = now
        for vbd in spec.vbds {
            vbds[vbd.id.name] = VBDRecord(vdev: vbdVdev(vbd), cdrom: vbd.ty == .cdrom, unpluggable: vbd.unpluggable, media: vbd.backend.map(Self.mediaName))
        }
        for vif in spec.vifs { vifs[vif.id.name] = VIFRecord(devid: vif.position, mac: vif.mac, carrier: nil) }
        for pci in spec.pcis { pcis[pci.id.name] = PCIRecord(pci.address) }
    }

    static func mediaName(_ disk: Disk) -> String {
        switch disk {
        case .local(let p): return p
        case .vdi(let v): return v
        }
    }
}

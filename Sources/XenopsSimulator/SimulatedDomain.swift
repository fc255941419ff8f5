import XenopsBackend
import XenopsCore

/// One simulated domain, exactly as it is persisted in the state file and carried in a save
/// image. Plain `Codable` so the on-disk form is readable JSON.
struct SimulatedDomain: Codable, Sendable, Hashable {
    var domid: Int
    /// The domain handle (the VM uuid for domains the daemon creates).
    var uuid: String
    var name: String
    var state: RunState
    /// `DomainType` raw value (`"Domain_PV"`, …).
    var domainType: String
    /// Bytes reserved for the domain (charged against host memory until it is destroyed).
    var memoryMax: Int64
    var memoryTarget: Int64
    var memoryActual: Int64
    var vcpusMax: Int
    var vcpusOnline: Int
    /// Seconds since the epoch.
    var startTime: Double
    /// `"xenopsd-ng"` for domains created through the ``Hypervisor`` API, `"xl"` for unmanaged ones.
    var creator: String?
    var vbds: [String: VirtualDisk] = [:]
    var vifs: [String: VirtualNIC] = [:]
    /// PCI device name → host address (`dddd:bb:dd.f`).
    var pcis: [String: String] = [:]
    /// `vm-data` keys written by `setXSData`.
    var xsdata: [String: String] = [:]
    // Issue 9 (optional, so older state files still load):
    /// The domain's xenstore keys other than vm-data, relative to `/local/domain/<domid>`.
    var xenstore: [String: String]?
    /// Whether the guest is in ACPI S3.
    var acpiS3: Bool?
    /// The shadow allocation set by `setShadowMultiplier`, in MiB.
    var shadowMiB: Int?
    /// Passed-through USB devices: name → `hostbus-hostport`.
    var vusbs: [String: String]?
    /// The NUMA placement policy the domain was built with (`Host.numa_affinity_policy` raw
    /// value); nil for unmanaged domains and state files written before it was recorded.
    var numaAffinityPolicy: String?

    /// The run state, persisted as `{"running":{}}`, `{"shutdown":{"reason":"poweroff"}}`, ….
    enum RunState: Codable, Sendable, Hashable {
        case running
        case paused
        case shutdown(reason: ShutdownReason)
        case dying

        var backend: DomainRunState {
            switch self {
            case .running: return .running
            case .paused: return .paused
            case .shutdown(let reason): return .shutdown(reason)
            case .dying: return .dying
            }
        }

        var isShutdown: Bool {
            if case .shutdown = self { return true }
            return false
        }
    }

    /// A disk drive and the media in it.
    struct VirtualDisk: Codable, Sendable, Hashable {
        /// `Vbd.ty` raw value: `"Disk"`, `"CDROM"`, `"Floppy"`.
        var kind: String
        /// `Vbd.mode` raw value.
        var mode: String
        var media: Media?
        var unpluggable: Bool
        /// The I/O priority applied by `setVBDQoS` (`Vbd.qos` as text).
        var qos: String?

        init(_ vbd: VBD) {
            kind = vbd.ty.rawValue
            mode = vbd.mode.rawValue
            media = vbd.backend.map(Media.init)
            unpluggable = vbd.unpluggable
        }

        var isRemovable: Bool { kind == VBD.Kind.cdrom.rawValue || kind == VBD.Kind.floppy.rawValue }
    }

    /// `Disk`, in a form `Codable` can persist.
    struct Media: Codable, Sendable, Hashable {
        /// `"local"` or `"vdi"`.
        var kind: String
        var path: String

        init(_ disk: Disk) {
            switch disk {
            case .local(let p): kind = "local"; path = p
            case .vdi(let p): kind = "vdi"; path = p
            }
        }

        var disk: Disk { kind == "vdi" ? .vdi(path) : .local(path) }
    }

    /// A network interface.
    struct VirtualNIC: Codable, Sendable, Hashable {
        var mac: String
        /// Where the backend is connected, for the console log.
        var network: String
        var mtu: Int
        var carrier: Bool

        init(_ vif: VIF) {
            mac = vif.mac
            switch vif.backend {
            case .local(let bridge): network = bridge
            case .remote(let vm, let bridge): network = "\(vm)/\(bridge)"
            case .sriov(let address): network = "sriov:\(address)"
            }
            mtu = vif.mtu
            carrier = vif.carrier
        }
    }

    /// The domain as the ``Hypervisor`` API reports it.
    var info: DomainInfo {
        let type = DomainType(rawValue: domainType) ?? .undefined
        var consoles = [Console(protocol: .vt100, port: 0, path: "/dev/pts/sim\(domid)")]
        if type == .hvm { consoles.append(Console(protocol: .rfb, port: 5900 + domid, path: "")) }
        return DomainInfo(
            domid: domid, uuid: uuid, name: name, state: state.backend, domainType: type,
            memoryActual: memoryActual, memoryTarget: memoryTarget, memoryMax: memoryMax,
            vcpusOnline: vcpusOnline, vcpusMax: vcpusMax, startTime: startTime,
            consoles: domid == 0 ? [] : consoles,
            devices: DomainDevices(
                vbds: vbds.mapValues { $0.media?.disk },
                vifs: vifs.mapValues(\.carrier),
                pcis: Set(pcis.keys),
                vusbs: Set((vusbs ?? [:]).keys)
            ),
            creator: creator
        )
    }
}

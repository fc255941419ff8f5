/// The kinds of device the store keeps for a VM, one table row per device.
///
/// The raw value is what the `device.kind` column holds on disk, so a case must never be
/// renamed; adding a case is a schema change that needs a migration (see `Docs/store.md`).
/// The declaration order is the order devices are returned in.
public enum DeviceKind: String, Sendable, CaseIterable, Codable {
    /// A virtual block device (disk or CD-ROM), xenops `Vbd.t`.
    case vbd
    /// A virtual network interface, xenops `Vif.t`.
    case vif
    /// A PCI passthrough device, xenops `Pci.t`.
    case pci
    /// A virtual GPU, xenops `Vgpu.t`.
    case vgpu
    /// A virtual USB device, xenops `Vusb.t`.
    case vusb

    /// The position of the kind in the declaration order, used to sort devices.
    var sortRank: Int {
        switch self {
        case .vbd: 0
        case .vif: 1
        case .pci: 2
        case .vgpu: 3
        case .vusb: 4
        }
    }
}

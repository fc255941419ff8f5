/// One device of a stored VM, as the engine encoded it.
///
/// A device is identified within its VM by `(kind, id)`; the store never looks inside
/// `config`.
public struct StoredDevice: Sendable, Hashable {
    /// What kind of device this is.
    public var kind: DeviceKind
    /// The device name within the VM and kind, e.g. `"xvda"` for a VBD or `"0"` for a VIF.
    public var id: String
    /// The device configuration as JSON text, in the engine's own encoding.
    public var config: String

    /// Creates a device record.
    /// - Parameters:
    ///   - kind: What kind of device this is.
    ///   - id: The device name within the VM and kind (`"xvda"`, `"0"`, …).
    ///   - config: The device configuration as JSON text.
    public init(kind: DeviceKind, id: String, config: String) {
        self.kind = kind
        self.id = id
        self.config = config
    }
}

extension StoredDevice {
    /// The order in which the store returns devices: by kind in `DeviceKind` declaration
    /// order, then by id. Two ids made only of decimal digits compare as numbers (so VIF
    /// `"2"` comes before `"10"`); otherwise ids compare by their UTF-8 bytes.
    static func precedes(_ a: StoredDevice, _ b: StoredDevice) -> Bool {
        if a.kind != b.kind { return a.kind.sortRank < b.kind.sortRank }
        return idPrecedes(a.id, b.id)
    }

    static func idPrecedes(_ a: String, _ b: String) -> Bool {
        if let x = decimalValue(a), let y = decimalValue(b), x != y { return x < y }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func decimalValue(_ s: String) -> UInt64? {
        guard !s.isEmpty, s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(s)
    }
}

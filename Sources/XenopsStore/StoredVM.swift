/// Everything the store keeps about one VM: its configuration, its devices and two opaque
/// blobs that only the engine reads.
///
/// The store is agnostic of the xenops value types: every field is text the engine encoded
/// with its own codec, and the store returns it byte for byte.
public struct StoredVM: Sendable, Hashable {
    /// The VM uuid; the primary key.
    public var id: String
    /// The xenops `Vm.t` as JSON text.
    public var config: String
    /// The VM's devices. ``VMStore/put(_:)`` replaces the stored set with exactly this one;
    /// loads return it sorted by kind (declaration order of ``DeviceKind``) then id.
    public var devices: [StoredDevice]
    /// The opaque `Metadata.domains` blob carried across migration, if any.
    public var domains: String?
    /// The engine's private JSON state (last start time, suspend info, …), if any.
    public var runtime: String?

    /// Creates a VM record.
    /// - Parameters:
    ///   - id: The VM uuid.
    ///   - config: The xenops `Vm.t` as JSON text.
    ///   - devices: The VM's devices; their `(kind, id)` pairs must be distinct.
    ///   - domains: The opaque `Metadata.domains` blob.
    ///   - runtime: The engine's private JSON state.
    public init(id: String, config: String, devices: [StoredDevice] = [], domains: String? = nil, runtime: String? = nil) {
        self.id = id
        self.config = config
        self.devices = devices
        self.domains = domains
        self.runtime = runtime
    }
}

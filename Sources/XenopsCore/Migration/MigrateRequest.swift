/// The parameters of `VM.migrate` after the VM id, as XAPI sends them (xenops_interface.ml
/// `VM.migrate`; SRV `vm_migrate_op`).
public struct MigrateRequest: Sendable, Hashable {
    /// Source VDI → destination VDI: applied to every `VDI` disk of the VBDs and of an
    /// indirect-boot PV/PVH bootloader.
    public var vdiMap: [String: String]
    /// VIF device name → the destination network (`Network.t`).
    public var vifMap: [String: NetworkBackend]
    /// vGPU device name (`"vf:<name>"` for its virtual function) → the destination PCI address.
    public var pciMap: [String: PCIAddress]
    /// Where the destination's xenops API is reached, e.g.
    /// `http://10.0.0.2/services/xenops?session_id=OpaqueRef:…`. The migration connections go
    /// to `<path>/migrate/{vm,mem}/<tmp id>` of the same URL.
    public var xenopsURL: String
    /// Compress the memory stream with zstd.
    public var compress: Bool
    /// Verify the destination's TLS certificate (https only).
    public var verifyDest: Bool
    /// Source and destination are the same daemon.
    public var localhostMigration: Bool

    public init(
        vdiMap: [String: String] = [:], vifMap: [String: NetworkBackend] = [:], pciMap: [String: PCIAddress] = [:],
        xenopsURL: String, compress: Bool = false, verifyDest: Bool = false, localhostMigration: Bool = false
    ) {
        self.vdiMap = vdiMap
        self.vifMap = vifMap
        self.pciMap = pciMap
        self.xenopsURL = xenopsURL
        self.compress = compress
        self.verifyDest = verifyDest
        self.localhostMigration = localhostMigration
    }

    /// The temporary uuid a migrating VM has while both hosts hold it, exactly as xenopsd
    /// computes it (SRV `tmp_uuid_of`): the first 24 characters of the uuid, then
    /// `00000000000`, then `0` on the source or `1` on the destination. For
    /// `7b719ce6-0b17-9733-e8ee-dbc1e6e7b701`: `7b719ce6-0b17-9733-e8ee-000000000000` (source)
    /// and `…-000000000001` (destination).
    public static func temporaryID(of id: String, destination: Bool) -> String {
        String(id.prefix(24)) + "00000000000" + (destination ? "1" : "0")
    }
}

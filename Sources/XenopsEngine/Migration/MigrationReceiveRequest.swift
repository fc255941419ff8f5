import XenopsCore

/// What the source daemon asks of the destination when it opens a migration connection:
/// the cookies of its `PUT …/migrate/vm/<tmp id>` (xenopsd `VM.migrate`, §4.6 step 4).
public struct MigrationReceiveRequest: Sendable, Hashable {
    /// The temporary uuid the metadata was imported under (the last path segment).
    public var vmID: String
    /// The VM's real uuid, which the received VM takes at sync point 3 (`final_id`; the
    /// temporary id when absent, as in xenopsd).
    public var finalID: String
    /// The source task's `debug_info` (`dbg`).
    public var debugInfo: String
    /// `memory_limit`: the bytes the domain needs, when the source sent it.
    public var memoryLimit: Int64?
    /// Whether the memory comes on its own connection (`mem_migration` cookie present); the
    /// legacy protocol sends it on the control connection.
    public var separateMemoryConnection: Bool
    /// Whether the memory stream is zstd-compressed (`compress=zstd`).
    public var compressed: Bool
    /// The source daemon's `instance_id`, for logs.
    public var sourceInstance: String?

    public init(
        vmID: String, finalID: String? = nil, debugInfo: String = "", memoryLimit: Int64? = nil,
        separateMemoryConnection: Bool = true, compressed: Bool = false, sourceInstance: String? = nil
    ) {
        self.vmID = vmID
        self.finalID = finalID ?? vmID
        self.debugInfo = debugInfo
        self.memoryLimit = memoryLimit
        self.separateMemoryConnection = separateMemoryConnection
        self.compressed = compressed
        self.sourceInstance = sourceInstance
    }

    /// Reads the request from the connection's cookies (first occurrence of each name wins).
    /// - Throws: `Internal_error` naming the cookie when one is malformed.
    public init(vmID: String, cookies: [(String, String)]) throws(XenopsError) {
        func cookie(_ name: String) -> String? { cookies.first { $0.0 == name }?.1 }
        var limit: Int64?
        if let text = cookie("memory_limit") {
            guard let n = Int64(text), n >= 0 else {
                throw .internalError("the migration request's memory_limit cookie \"\(text.prefix(40))\" is not a byte count")
            }
            limit = n
        }
        let finalID = cookie("final_id").flatMap { $0.isEmpty ? nil : $0 }
        self.init(
            vmID: vmID, finalID: finalID, debugInfo: cookie("dbg") ?? "", memoryLimit: limit,
            separateMemoryConnection: cookie("mem_migration") != nil, compressed: cookie("compress") != nil,
            sourceInstance: cookie("instance_id"))
    }
}

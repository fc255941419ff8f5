internal import GRDB

extension VMStore {
    // MARK: - Reading

    /// Every stored VM with its devices, sorted by id (byte order), devices sorted by kind
    /// then id (see ``StoredVM/devices``). Reads one consistent snapshot.
    /// - Throws: `StoreError` if the database cannot be read.
    public func loadAll() throws(StoreError) -> [StoredVM] {
        try read("load all VMs") { db in
            let vms = try VMRow.fetchAll(db, sql: "SELECT id, config, domains, runtime FROM vm ORDER BY id")
            var devices: [String: [StoredDevice]] = [:]
            for row in try DeviceRow.fetchAll(db, sql: "SELECT vm_id, kind, id, config FROM device") {
                devices[row.vmID, default: []].append(try row.device())
            }
            return vms.map { $0.storedVM(devices: devices[$0.id] ?? []) }
        }
    }

    /// The VM with this id and its devices, or `nil` if the store has none.
    /// - Parameter id: The VM uuid.
    /// - Throws: `StoreError` if the database cannot be read.
    public func load(id: String) throws(StoreError) -> StoredVM? {
        try read("load VM \(id)") { db in
            guard let vm = try VMRow.fetchOne(db, sql: "SELECT id, config, domains, runtime FROM vm WHERE id = ?", arguments: [id])
            else { return nil }
            let devices = try DeviceRow.fetchAll(
                db, sql: "SELECT vm_id, kind, id, config FROM device WHERE vm_id = ?", arguments: [id])
            return vm.storedVM(devices: try devices.map { try $0.device() })
        }
    }

    /// The number of stored VMs.
    /// - Throws: `StoreError` if the database cannot be read.
    public func count() throws(StoreError) -> Int {
        try read("count VMs") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM vm") ?? 0 }
    }

    // MARK: - Writing

    /// Inserts the VM or replaces it, together with its device set, in one transaction:
    /// afterwards the store holds exactly `vm.devices` for this VM (devices not listed are
    /// deleted).
    /// - Parameter vm: The VM; its id must not be empty and its `(kind, id)` device pairs
    ///   must be distinct.
    /// - Throws: `StoreError` (``StoreError/Code/invalidArgument`` for an empty id or a
    ///   duplicate device); nothing is changed when it throws.
    public func put(_ vm: StoredVM) throws(StoreError) {
        let operation = "store VM \(vm.id)"
        try validate(vm, operation: operation)
        try write(operation) { db in try Self.putRows(vm, db) }
    }

    /// Validates a VM record before it is written.
    func validate(_ vm: StoredVM, operation: String) throws(StoreError) {
        try validate(vmID: vm.id, operation: operation)
        var seen = Set<DeviceKey>()
        for device in vm.devices {
            try validate(device: device, operation: operation)
            guard seen.insert(DeviceKey(kind: device.kind, id: device.id)).inserted else {
                throw invalidArgument(operation, "device \(device.kind.rawValue)/\(device.id) is listed twice")
            }
        }
    }

    /// Writes a VM row and replaces its device rows (inside the caller's transaction).
    static func putRows(_ vm: StoredVM, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO vm (id, config, domains, runtime, updated_at) VALUES (?, ?, ?, ?, \(now))
                ON CONFLICT (id) DO UPDATE SET config = excluded.config, domains = excluded.domains,
                    runtime = excluded.runtime, updated_at = excluded.updated_at
                """,
            arguments: [vm.id, vm.config, vm.domains, vm.runtime])
        try db.execute(sql: "DELETE FROM device WHERE vm_id = ?", arguments: [vm.id])
        let insert = try db.cachedStatement(sql: "INSERT INTO device (vm_id, kind, id, config) VALUES (?, ?, ?, ?)")
        for device in vm.devices {
            try insert.execute(arguments: [vm.id, device.kind.rawValue, device.id, device.config])
        }
    }

    /// Adds the device to a stored VM, or replaces the device with the same kind and id.
    /// - Parameters:
    ///   - vmID: The VM uuid; the VM must be stored already.
    ///   - device: The device.
    /// - Throws: `StoreError` with ``StoreError/Code/noSuchVM`` if the VM is not stored.
    public func putDevice(vmID: String, _ device: StoredDevice) throws(StoreError) {
        let operation = "store device \(device.kind.rawValue)/\(device.id) of VM \(vmID)"
        try validate(device: device, operation: operation)
        try write(operation) { db in
            try requireVM(vmID, db, operation: operation)
            try db.execute(
                sql: """
                    INSERT INTO device (vm_id, kind, id, config) VALUES (?, ?, ?, ?)
                    ON CONFLICT (vm_id, kind, id) DO UPDATE SET config = excluded.config
                    """,
                arguments: [vmID, device.kind.rawValue, device.id, device.config])
            try touch(vmID, db)
        }
    }

    /// Removes one device of a VM.
    /// - Parameters:
    ///   - vmID: The VM uuid.
    ///   - kind: The device kind.
    ///   - id: The device name.
    /// - Returns: `true` if the device was stored (and is now gone), `false` if it was not.
    /// - Throws: `StoreError` if the database cannot be written.
    @discardableResult
    public func removeDevice(vmID: String, kind: DeviceKind, id: String) throws(StoreError) -> Bool {
        try write("remove device \(kind.rawValue)/\(id) of VM \(vmID)") { db in
            try db.execute(
                sql: "DELETE FROM device WHERE vm_id = ? AND kind = ? AND id = ?", arguments: [vmID, kind.rawValue, id])
            guard db.changesCount > 0 else { return false }
            try touch(vmID, db)
            return true
        }
    }

    /// Replaces the engine's private runtime JSON of a stored VM (`nil` clears it).
    /// - Parameters:
    ///   - vmID: The VM uuid; the VM must be stored already.
    ///   - runtime: The new runtime JSON text, or `nil`.
    /// - Throws: `StoreError` with ``StoreError/Code/noSuchVM`` if the VM is not stored.
    public func setRuntime(vmID: String, _ runtime: String?) throws(StoreError) {
        try updateColumn("runtime", of: vmID, to: runtime, operation: "store the runtime state of VM \(vmID)")
    }

    /// Replaces the opaque `Metadata.domains` blob of a stored VM (`nil` clears it).
    /// - Parameters:
    ///   - vmID: The VM uuid; the VM must be stored already.
    ///   - domains: The new blob, or `nil`.
    /// - Throws: `StoreError` with ``StoreError/Code/noSuchVM`` if the VM is not stored.
    public func setDomains(vmID: String, _ domains: String?) throws(StoreError) {
        try updateColumn("domains", of: vmID, to: domains, operation: "store the domains blob of VM \(vmID)")
    }

    /// Removes a VM and all its devices in one transaction.
    /// - Parameter id: The VM uuid.
    /// - Returns: `true` if the VM was stored (and is now gone), `false` if it was not.
    /// - Throws: `StoreError` if the database cannot be written.
    @discardableResult
    public func remove(id: String) throws(StoreError) -> Bool {
        try write("remove VM \(id)") { db in
            // The device rows go with it: ON DELETE CASCADE, foreign keys are on.
            try db.execute(sql: "DELETE FROM vm WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    // MARK: - Helpers

    /// The SQL expression for the current time, UTC ISO 8601 with milliseconds.
    static let now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

    private func updateColumn(_ column: String, of vmID: String, to value: String?, operation: String) throws(StoreError) {
        try write(operation) { db in try updateColumnRow(column, of: vmID, to: value, db, operation: operation) }
    }

    /// Sets one column of a VM row (inside the caller's transaction).
    func updateColumnRow(_ column: String, of vmID: String, to value: String?, _ db: Database, operation: String) throws {
        try db.execute(
            sql: "UPDATE vm SET \(column) = ?, updated_at = \(Self.now) WHERE id = ?", arguments: [value, vmID])
        if db.changesCount == 0 { throw noSuchVM(vmID, operation: operation) }
    }

    private func requireVM(_ vmID: String, _ db: Database, operation: String) throws {
        let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM vm WHERE id = ?)", arguments: [vmID]) ?? false
        if !exists { throw noSuchVM(vmID, operation: operation) }
    }

    private func touch(_ vmID: String, _ db: Database) throws {
        try db.execute(sql: "UPDATE vm SET updated_at = \(Self.now) WHERE id = ?", arguments: [vmID])
    }

    func noSuchVM(_ vmID: String, operation: String) -> StoreError {
        StoreError(
            code: .noSuchVM, operation: operation, path: path,
            reason: "there is no VM \(vmID) in the store",
            remedy: "Store the VM first (VM.import_metadata or VM.add), then its devices and state.")
    }

    func invalidArgument(_ operation: String, _ reason: String) -> StoreError {
        StoreError(
            code: .invalidArgument, operation: operation, path: path, reason: reason,
            remedy: "This is a bug in the caller: fix the record before storing it.")
    }

    func validate(vmID: String, operation: String) throws(StoreError) {
        if vmID.isEmpty { throw invalidArgument(operation, "the VM id is empty") }
    }

    func validate(device: StoredDevice, operation: String) throws(StoreError) {
        if device.id.isEmpty { throw invalidArgument(operation, "the \(device.kind.rawValue) device id is empty") }
    }
}

/// A device's identity within its VM.
private struct DeviceKey: Hashable {
    var kind: DeviceKind
    var id: String
}

/// A row of the `vm` table.
private struct VMRow: Decodable, FetchableRecord {
    var id: String
    var config: String
    var domains: String?
    var runtime: String?

    func storedVM(devices: [StoredDevice]) -> StoredVM {
        StoredVM(id: id, config: config, devices: devices.sorted(by: StoredDevice.precedes), domains: domains, runtime: runtime)
    }
}

/// A row of the `device` table.
private struct DeviceRow: Decodable, FetchableRecord {
    var vmID: String
    var kind: String
    var id: String
    var config: String

    enum CodingKeys: String, CodingKey {
        case vmID = "vm_id"
        case kind, id, config
    }

    func device() throws -> StoredDevice {
        guard let deviceKind = DeviceKind(rawValue: kind) else {
            throw UnknownDeviceKind(vmID: vmID, kind: kind, id: id)
        }
        return StoredDevice(kind: deviceKind, id: id, config: config)
    }
}

/// A `device` row whose kind this code does not know; converted to a ``StoreError`` with
/// code ``StoreError/Code/corrupt`` at the module edge.
struct UnknownDeviceKind: Error {
    var vmID: String
    var kind: String
    var id: String
}

import XenopsCore

extension XenopsClient {
    // MARK: Synchronous

    /// `VM.add`: stores a new VM configuration; returns its id.
    public func vmAdd(_ vm: VM) async throws(XenopsClientError) -> String {
        try await invoke("VM.add", params(("vm", vm.xenops)))
    }

    /// `VM.remove`: forgets a halted VM and its devices.
    public func vmRemove(_ id: String) async throws(XenopsClientError) {
        try await invokeUnit("VM.remove", params(("id", .string(id))))
    }

    /// `VM.exists`: whether the daemon knows the VM.
    public func vmExists(_ id: String) async throws(XenopsClientError) -> Bool {
        try await invoke("VM.exists", params(("id", .string(id))))
    }

    /// `VM.list`: every VM with its live state.
    public func vmList() async throws(XenopsClientError) -> [(vm: VM, state: VMState)] {
        try await invokePairs("VM.list", params(("unit", .null)), VM.self, VMState.self).map { (vm: $0.0, state: $0.1) }
    }

    /// `VM.stat`: a VM's configuration and live state.
    public func vmStat(_ id: String) async throws(XenopsClientError) -> (vm: VM, state: VMState) {
        let (vm, state) = try await invokePair("VM.stat", params(("id", .string(id))), VM.self, VMState.self)
        return (vm, state)
    }

    /// `VM.import_metadata`: creates or overwrites a VM and its devices; returns the VM id.
    public func vmImportMetadata(_ metadata: Metadata) async throws(XenopsClientError) -> String {
        try await vmImportMetadata(json: metadata.xenops.jsonString)
    }

    /// `VM.import_metadata` with the JSON text of a `Metadata.t`, passed through unchanged
    /// (the parameter is a string holding JSON, as ocaml-rpc sends it).
    public func vmImportMetadata(json: String) async throws(XenopsClientError) -> String {
        try await invoke("VM.import_metadata", params(("metadata", .string(json))))
    }

    /// `VM.import_metadata_async`: the import as a task; returns the task id.
    public func vmImportMetadataAsync(_ metadata: Metadata) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.import_metadata_async", params(("metadata", .string(metadata.xenops.jsonString))))
    }

    /// `VM.export_metadata`: the JSON text of the VM's `Metadata.t`, as the daemon wrote it.
    public func vmExportMetadataJSON(_ id: String) async throws(XenopsClientError) -> String {
        try await invoke("VM.export_metadata", params(("id", .string(id))))
    }

    /// `VM.export_metadata`, decoded.
    public func vmExportMetadata(_ id: String) async throws(XenopsClientError) -> Metadata {
        let text = try await vmExportMetadataJSON(id)
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch { throw .protocol("VM.export_metadata returned text that is not JSON: \(error)") }
        return try Self.decode(json, method: "VM.export_metadata")
    }

    // MARK: Tasks (each returns a task id; see waitForTask)

    /// `VM.start`: builds the domain and leaves it paused. `force` is sent as the wire's
    /// `paused` flag, which xenopsd treats as force (as XAPI does).
    public func vmStart(_ id: String, force: Bool = false) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.start", params(("id", .string(id)), ("paused", .bool(force))))
    }

    /// `VM.unpause`.
    public func vmUnpause(_ id: String) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.unpause", params(("id", .string(id))))
    }

    /// `VM.pause`.
    public func vmPause(_ id: String) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.pause", params(("id", .string(id))))
    }

    /// `VM.suspend` to a suspend image file in dom0 (`["Local", path]`).
    public func vmSuspend(_ id: String, imagePath: String) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.suspend", params(("id", .string(id)), ("suspend_vdi", Disk.local(imagePath).xenops)))
    }

    /// `VM.resume` from a suspend image file in dom0; the domain is left paused.
    public func vmResume(_ id: String, imagePath: String) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.resume", params(("id", .string(id)), ("suspend_vdi", Disk.local(imagePath).xenops)))
    }

    /// `VM.shutdown`: clean with a timeout of `delay` seconds, or hard (poweroff) when `delay` is nil.
    public func vmShutdown(_ id: String, delay: Double?) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.shutdown", params(("id", .string(id)), ("delay", delay.map { .double($0) })))
    }

    /// `VM.reboot`: clean with a timeout of `delay` seconds, or hard when `delay` is nil.
    public func vmReboot(_ id: String, delay: Double?) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.reboot", params(("id", .string(id)), ("delay", delay.map { .double($0) })))
    }

    /// `VM.destroy`: destroys the domain at once.
    public func vmDestroy(_ id: String) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.destroy", params(("id", .string(id))))
    }

    /// `VM.delay`: sleeps inside the VM's queue.
    public func vmDelay(_ id: String, seconds: Double) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.delay", params(("id", .string(id)), ("delay", .double(seconds))))
    }

    /// `VM.set_vcpus`: sets the online vCPU count.
    public func vmSetVcpus(_ id: String, _ count: Int) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.set_vcpus", params(("id", .string(id)), ("vcpus", count.xenops)))
    }

    /// `VM.set_memory_dynamic_range`: the balloon range, in bytes.
    public func vmSetMemoryDynamicRange(_ id: String, minimum: Int64, maximum: Int64) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.set_memory_dynamic_range", params(("id", .string(id)), ("minimum", .int(minimum)), ("maximum", .int(maximum))))
    }

    /// `VM.set_xsdata`: writes vm-data keys for the guest.
    public func vmSetXSData(_ id: String, _ xsdata: [String: String]) async throws(XenopsClientError) -> String {
        try await invokeTask("VM.set_xsdata", params(("id", .string(id)), ("xsdata", xsdata.xenops)))
    }
}

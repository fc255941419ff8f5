import Testing
import XenopsRPC

/// `MethodCatalog`: every method of the xenops interface (§1) is listed, with the wire names
/// and parameter names XAPI uses.
@Suite("RPC: method catalog")
struct MethodCatalogTests {
    /// The method names of xenops-interface.md §1.0–§1.7.
    static let interfaceNames: [String] = [
        "query", "get_diagnostics",
        "Task.stat", "Task.cancel", "Task.destroy", "Task.list", "Task.destroy_on_finish",
        "HOST.stat", "HOST.get_console_data", "HOST.get_total_memory_mib", "HOST.send_debug_keys",
        "HOST.set_worker_pool_size", "HOST.update_guest_agent_features", "HOST.combine_cpu_policies",
        "HOST.is_compatible", "HOST.set_numa_affinity_policy",
        "VM.add", "VM.remove", "VM.generate_state_string", "VM.migrate", "VM.create", "VM.build",
        "VM.create_device_model", "VM.destroy", "VM.pause", "VM.unpause", "VM.request_rdp", "VM.run_script",
        "VM.set_xsdata", "VM.set_vcpus", "VM.set_shadow_multiplier", "VM.set_memory_dynamic_range", "VM.stat",
        "VM.exists", "VM.list", "VM.delay", "VM.start", "VM.shutdown", "VM.reboot", "VM.suspend", "VM.resume",
        "VM.fast_resume", "VM.s3suspend", "VM.s3resume", "VM.export_metadata", "VM.import_metadata",
        "VM.import_metadata_async",
        "PCI.add", "PCI.remove", "PCI.stat", "PCI.list", "PCI.dequarantine",
        "VBD.add", "VBD.remove", "VBD.stat", "VBD.list", "VBD.plug", "VBD.unplug", "VBD.eject", "VBD.insert",
        "VUSB.add", "VUSB.remove", "VUSB.stat", "VUSB.list", "VUSB.plug", "VUSB.unplug",
        "VIF.add", "VIF.remove", "VIF.stat", "VIF.list", "VIF.plug", "VIF.unplug", "VIF.move", "VIF.set_carrier",
        "VIF.set_locking_mode", "VIF.set_ipv4_configuration", "VIF.set_ipv6_configuration", "VIF.set_pvs_proxy",
        "VIF.set_trunks",
        "VGPU.add", "VGPU.remove", "VGPU.stat", "VGPU.list",
        "UPDATES.get", "UPDATES.last_id", "UPDATES.inject_barrier", "UPDATES.remove_barrier", "UPDATES.refresh_vm",
        "DEBUG.trigger", "DEBUG.shutdown",
        "Observer.create", "Observer.destroy", "Observer.set_enabled", "Observer.set_attributes",
        "Observer.set_endpoints", "Observer.init", "Observer.set_trace_log_dir", "Observer.set_export_interval",
        "Observer.set_export_chunk_size", "Observer.set_max_spans", "Observer.set_max_traces",
        "Observer.set_max_depth", "Observer.set_max_file_size", "Observer.set_host_id",
        "Observer.set_compress_tracing_files",
    ]

    /// Catalog entries beyond §1's tables (backed by an atomic of the same name in xenopsd).
    static let extras: Set<String> = ["VBD.set_qos"]

    /// What XAPI calls (§1.8) and what this daemon provides today.
    static let provided: Set<String> = [
        "query", "Task.stat", "Task.cancel", "Task.destroy", "Task.list", "Task.destroy_on_finish",
        "HOST.stat", "HOST.get_total_memory_mib", "HOST.get_console_data",
        "VM.import_metadata", "VM.import_metadata_async", "VM.export_metadata", "VM.remove", "VM.exists", "VM.list",
        "VM.stat", "VM.start", "VM.unpause", "VM.pause", "VM.shutdown", "VM.reboot", "VM.set_xsdata",
        "VM.set_vcpus", "VM.set_memory_dynamic_range",
        "VBD.add", "VBD.remove", "VBD.plug", "VBD.unplug", "VBD.eject", "VBD.insert", "VBD.stat",
        "VIF.add", "VIF.remove", "VIF.plug", "VIF.unplug", "VIF.set_carrier", "VIF.stat",
        "UPDATES.get", "UPDATES.last_id", "UPDATES.inject_barrier", "UPDATES.remove_barrier", "UPDATES.refresh_vm",
        // Issue 9 item 4.
        "VM.s3suspend", "VM.s3resume", "VM.set_shadow_multiplier", "VM.request_rdp", "VM.run_script",
        "VIF.move", "VIF.set_locking_mode", "VIF.set_ipv4_configuration", "VIF.set_ipv6_configuration",
        "VIF.set_pvs_proxy", "VIF.set_trunks", "PCI.dequarantine", "VGPU.stat", "VGPU.remove", "VUSB.stat", "VUSB.unplug",
        "HOST.update_guest_agent_features",
    ]

    @Test("every §1 method is in the catalog")
    func complete() {
        let missing = Self.interfaceNames.filter { MethodCatalog.byName[$0] == nil }
        #expect(missing.isEmpty, "missing from the catalog: \(missing)")
    }

    @Test("the catalog lists nothing that §1 does not name")
    func nothingExtra() {
        let known = Set(Self.interfaceNames).union(Self.extras)
        let unknown = MethodCatalog.methods.map(\.name).filter { !known.contains($0) }
        #expect(unknown.isEmpty, "not in the interface: \(unknown)")
    }

    @Test("names are unique")
    func unique() {
        #expect(MethodCatalog.methods.count == MethodCatalog.byName.count)
    }

    @Test("the methods XAPI needs are provided, not Unimplemented")
    func providedMethods() {
        for name in Self.provided {
            #expect(MethodCatalog.byName[name].map { $0.kind != .unimplemented } == true, "\(name)")
        }
    }

    @Test("task-kind and sync-kind methods are as in §1")
    func kinds() {
        let tasks = ["VM.start", "VM.unpause", "VM.pause", "VM.shutdown", "VM.reboot", "VM.destroy", "VM.delay",
                     "VM.set_vcpus", "VBD.plug", "VBD.unplug", "VBD.insert", "VBD.eject", "VIF.plug", "VIF.unplug",
                     "VIF.set_carrier", "VM.import_metadata_async"]
        for name in tasks { #expect(MethodCatalog.byName[name]?.kind == .task, "\(name)") }
        let syncs = ["VM.stat", "VM.list", "VM.import_metadata", "VM.remove", "Task.stat", "UPDATES.get", "query"]
        for name in syncs { #expect(MethodCatalog.byName[name]?.kind == .sync, "\(name)") }
    }

    @Test("issue 9 methods are queued or sync as xenopsd has them")
    func guestAndSettingKinds() {
        // Queued as atomics on the VM's queue (xenops_server.ml `queue_operation`).
        let tasks = ["VM.request_rdp", "VM.run_script", "VM.set_shadow_multiplier", "VM.s3suspend", "VM.s3resume",
                     "VIF.move", "VIF.set_locking_mode", "VIF.set_ipv4_configuration", "VIF.set_ipv6_configuration",
                     "VIF.set_pvs_proxy", "VIF.set_trunks", "VBD.set_qos", "VUSB.plug", "VUSB.unplug"]
        for name in tasks { #expect(MethodCatalog.byName[name]?.kind == .task, "\(name)") }
        // Run directly (`Debug.with_thread_associated`).
        let syncs = ["PCI.dequarantine", "HOST.update_guest_agent_features", "VGPU.add", "VGPU.remove", "VGPU.stat", "VGPU.list",
                     "VUSB.add", "VUSB.remove", "VUSB.stat", "VUSB.list"]
        for name in syncs { #expect(MethodCatalog.byName[name]?.kind == .sync, "\(name)") }
        #expect(MethodCatalog.byName["VIF.set_pvs_proxy"]?.params.last?.optional == true)
        #expect(MethodCatalog.byName["PCI.dequarantine"]?.params.map(\.name) == ["pci_addr"])
    }

    @Test("parameter names are those XAPI sends")
    func parameterNames() {
        let expected: [String: [String]] = [
            "VM.start": ["id", "paused"], "VM.shutdown": ["id", "delay"], "VM.reboot": ["id", "delay"],
            "VM.import_metadata": ["metadata"], "VM.set_memory_dynamic_range": ["id", "minimum", "maximum"],
            "VBD.unplug": ["id", "force"], "VBD.insert": ["id", "disk"], "VIF.set_carrier": ["id", "carrier"],
            "UPDATES.get": ["last_id", "timeout"], "UPDATES.inject_barrier": ["vm_id", "id"],
            "DEBUG.trigger": ["cmd", "args"], "Task.stat": ["id"], "query": ["unit"],
        ]
        for (name, params) in expected {
            #expect(MethodCatalog.byName[name]?.params.map(\.name) == params, "\(name)")
        }
        #expect(MethodCatalog.byName["VM.shutdown"]?.params.last?.optional == true)
        #expect(MethodCatalog.byName["UPDATES.get"]?.params.allSatisfy(\.optional) == true)
    }

    @Test("every method has a one-line summary")
    func summaries() {
        for method in MethodCatalog.methods {
            #expect(!method.summary.isEmpty && !method.summary.contains("\n"), "\(method.name)")
        }
    }
}

import XenopsCore

/// Every method of the xenops interface (xenops-interface.md §1), with the handler that
/// serves it. Methods this daemon does not provide answer `["Unimplemented", "<name>"]`.
public enum MethodCatalog {
    typealias P = RPCMethod.Param

    static let id = P("id", "string (VM uuid)")
    static let deviceID = P("id", "[vm uuid, device name]")
    static let unit = P("unit", "null", optional: true)

    private static func pair<A: XenopsCodable, B: XenopsCodable>(_ a: A, _ b: B) -> JSONValue { .array([a.xenops, b.xenops]) }
    private static func pairs<A: XenopsCodable, B: XenopsCodable>(_ list: [(A, B)]) -> JSONValue { .array(list.map { pair($0.0, $0.1) }) }

    /// Decodes the `metadata` parameter: a string holding the JSON of a `Metadata.t` (ocaml-rpc
    /// double-encodes it); an object is accepted too.
    static func metadata(_ a: RPCArguments) throws(XenopsError) -> Metadata {
        guard let raw = a.params["metadata"] else {
            throw .internalError("\(a.method): parameter 'metadata' is missing (expected a string holding the JSON of a Metadata.t)")
        }
        let json: JSONValue
        switch raw {
        case .string(let text):
            do { json = try JSONValue.parse(text) } catch {
                throw .internalError("\(a.method): parameter 'metadata' is not valid JSON: \(error)")
            }
        case .object: json = raw
        default: throw .internalError("\(a.method): parameter 'metadata' must be a string holding the JSON of a Metadata.t, found \(raw.kindName)")
        }
        do { return try Metadata(xenops: json) } catch {
            throw .internalError("\(a.method): the metadata is not a valid Metadata.t: \(error)")
        }
    }

    private static func op(_ name: String, _ params: [P], _ summary: String, _ make: @escaping @Sendable (RPCArguments) throws(XenopsError) -> VMOperation, vmParam: String = "id", device: Bool = false) -> RPCMethod {
        RPCMethod(name, .task, params, summary) { a, s throws(XenopsError) in
            let vm: String = device ? try a.deviceID().vm : try a.required(vmParam)
            return .string(try await s.vmOperation(a.dbg, id: vm, try make(a)))
        }
    }

    /// All methods, in the order of the interface document.
    public static let methods: [RPCMethod] = [
        RPCMethod("query", .sync, [unit], "Who is answering: name, vendor, version, features, instance_id.") { a, s throws(XenopsError) in
            try await s.query(a.dbg).xenops
        },
        RPCMethod("get_diagnostics", .sync, [unit], "A JSON dump of queues, workers, tasks and UPDATES.") { a, s throws(XenopsError) in
            .string(try await s.diagnostics(a.dbg))
        },

        // Task
        RPCMethod("Task.stat", .sync, [P("id", "string (task id)")], "The state of a task.") { a, s throws(XenopsError) in
            try await s.taskStat(a.dbg, id: try a.required("id")).xenops
        },
        RPCMethod("Task.cancel", .sync, [P("id", "string (task id)")], "Asks a task to stop at its next cancellation point.") { a, s throws(XenopsError) in
            try await s.taskCancel(a.dbg, id: try a.required("id")); return .null
        },
        RPCMethod("Task.destroy", .sync, [P("id", "string (task id)")], "Forgets a task.") { a, s throws(XenopsError) in
            try await s.taskDestroy(a.dbg, id: try a.required("id")); return .null
        },
        RPCMethod("Task.list", .sync, [], "Every task still known.") { a, s throws(XenopsError) in
            try await s.taskList(a.dbg).xenops
        },
        RPCMethod("Task.destroy_on_finish", .sync, [P("id", "string (task id)")], "Forgets the task when it finishes.") { a, s throws(XenopsError) in
            try await s.taskDestroyOnFinish(a.dbg, id: try a.required("id")); return .null
        },

        // HOST
        RPCMethod("HOST.stat", .sync, [], "CPU, hypervisor and chipset facts.") { a, s throws(XenopsError) in
            try await s.hostStat(a.dbg).xenops
        },
        RPCMethod("HOST.get_console_data", .sync, [], "The hypervisor console ring.") { a, s throws(XenopsError) in
            .string(try await s.hostConsoleData(a.dbg))
        },
        RPCMethod("HOST.get_total_memory_mib", .sync, [], "Host RAM in MiB.") { a, s throws(XenopsError) in
            .int(try await s.hostTotalMemoryMiB(a.dbg))
        },
        RPCMethod("HOST.send_debug_keys", .sync, [P("debug_keys", "string")], "Sends Xen debug keys; their output goes to the console ring.") { a, s throws(XenopsError) in
            try await s.hostSendDebugKeys(a.dbg, keys: try a.required("debug_keys")); return .null
        },
        RPCMethod("HOST.set_worker_pool_size", .sync, [P("pool_size", "int")], "Resizes the worker pool.") { a, s throws(XenopsError) in
            try await s.hostSetWorkerPoolSize(a.dbg, size: try a.required("pool_size")); return .null
        },
        RPCMethod("HOST.update_guest_agent_features", .sync, [P("features", "guest_agent_feature list")], "Publishes the licensed guest-agent features in xenstore (/guest_agent_features).") { a, s throws(XenopsError) in
            try await s.hostUpdateGuestAgentFeatures(a.dbg, features: try a.required("features")); return .null
        },
        RPCMethod("HOST.combine_cpu_policies", .sync, [P("policy1", "string (featureset)"), P("policy2", "string (featureset)")], "The featureset both policies offer (pool levelling).") { a, s throws(XenopsError) in
            .string(try await s.hostCombineCPUPolicies(a.dbg, policy1: try a.required("policy1"), policy2: try a.required("policy2")))
        },
        RPCMethod("HOST.is_compatible", .sync, [P("vm_policy", "string (featureset)"), P("host_policy", "string (featureset)")], "Whether a VM with vm_policy may run on a host offering host_policy.") { a, s throws(XenopsError) in
            .bool(try await s.hostIsCompatible(a.dbg, vmPolicy: try a.required("vm_policy"), hostPolicy: try a.required("host_policy")))
        },
        RPCMethod("HOST.set_numa_affinity_policy", .sync, [P("numa_affinity_policy", "Any|Best_effort|Best_effort_hard|Prio_mem_only option (absent = default)", optional: true)], "Sets the NUMA placement of domains built from now on.") { a, s throws(XenopsError) in
            try await s.hostSetNUMAAffinityPolicy(a.dbg, policy: try a.optional("numa_affinity_policy")); return .null
        },

        // VM, sync
        RPCMethod("VM.add", .sync, [P("vm", "Vm.t")], "Stores a new VM configuration.") { a, s throws(XenopsError) in
            .string(try await s.vmAdd(a.dbg, vm: try a.required("vm")))
        },
        RPCMethod("VM.remove", .sync, [id], "Forgets a halted VM and its devices.") { a, s throws(XenopsError) in
            try await s.vmRemove(a.dbg, id: try a.required("id")); return .null
        },
        RPCMethod("VM.generate_state_string", .unimplemented, [P("vm", "Vm.t")], "The backend's state string.") { a, _ throws(XenopsError) in throw .unimplemented(a.method) },
        RPCMethod("VM.exists", .sync, [id], "Whether the VM is known.") { a, s throws(XenopsError) in
            .bool(try await s.vmExists(a.dbg, id: try a.required("id")))
        },
        RPCMethod("VM.list", .sync, [unit], "Every VM with its state, as [[Vm.t, Vm.state], …].") { a, s throws(XenopsError) in
            pairs(try await s.vmList(a.dbg))
        },
        RPCMethod("VM.stat", .sync, [id], "A VM's configuration and live state, as [Vm.t, Vm.state].") { a, s throws(XenopsError) in
            let (vm, state) = try await s.vmStat(a.dbg, id: try a.required("id"))
            return pair(vm, state)
        },
        RPCMethod("VM.import_metadata", .sync, [P("metadata", "string (JSON of Metadata.t)")], "Creates or overwrites a VM and its devices.") { a, s throws(XenopsError) in
            .string(try await s.vmImportMetadata(a.dbg, metadata: try metadata(a)))
        },
        RPCMethod("VM.import_metadata_async", .task, [P("metadata", "string (JSON of Metadata.t)")], "VM.import_metadata as a task.") { a, s throws(XenopsError) in
            .string(try await s.vmImportMetadataAsync(a.dbg, metadata: try metadata(a)))
        },
        RPCMethod("VM.export_metadata", .sync, [id], "The JSON of the VM's Metadata.t, as a string.") { a, s throws(XenopsError) in
            .string(try await s.vmExportMetadata(a.dbg, id: try a.required("id")).xenops.jsonString)
        },

        // VM, tasks
        op("VM.create", [id], "Creates the domain (left paused, devices attached).") { _ throws(XenopsError) in .create },
        op("VM.build", [id, P("force", "bool")], "Checks the domain is built (VM.create builds it).") { a throws(XenopsError) in .build(force: try a.optional("force") ?? false) },
        RPCMethod("VM.create_device_model", .unimplemented, [id, P("save_state", "bool")], "Starts qemu.") { a, _ throws(XenopsError) in throw .unimplemented(a.method) },
        op("VM.destroy", [id], "Destroys the domain at once.") { _ throws(XenopsError) in .destroy },
        op("VM.pause", [id], "Pauses the domain.") { _ throws(XenopsError) in .pause },
        op("VM.unpause", [id], "Unpauses the domain.") { _ throws(XenopsError) in .unpause },
        op("VM.request_rdp", [id, P("enabled", "bool")], "Asks the guest agent to turn RDP on or off (control/ts).") { a throws(XenopsError) in .requestRDP(try a.required("enabled")) },
        op("VM.run_script", [id, P("script", "string")], "Runs a script through the guest agent; the task's result is {rc, stdout, stderr}.") { a throws(XenopsError) in .runScript(try a.required("script")) },
        op("VM.set_xsdata", [id, P("xsdata", "{key: value}")], "Writes vm-data keys for the guest.") { a throws(XenopsError) in .setXSData(try a.required("xsdata")) },
        op("VM.set_vcpus", [id, P("vcpus", "int")], "Sets the online vCPU count.") { a throws(XenopsError) in .setVcpus(try a.required("vcpus")) },
        op("VM.set_shadow_multiplier", [id, P("multiplier", "float")], "Resizes an HVM domain's shadow memory.") { a throws(XenopsError) in .setShadowMultiplier(try a.required("multiplier")) },
        op("VM.set_memory_dynamic_range", [id, P("minimum", "int64 (bytes)"), P("maximum", "int64 (bytes)")], "Changes the balloon range; the target follows the maximum.") { a throws(XenopsError) in
            .setMemoryDynamicRange(min: try a.required("minimum"), max: try a.required("maximum"))
        },
        op("VM.delay", [id, P("delay", "float (seconds)")], "Sleeps inside the VM's queue.") { a throws(XenopsError) in .delay(seconds: try a.required("delay")) },
        op("VM.start", [id, P("paused", "bool (treated as force)")], "Builds the domain and leaves it paused.") { a throws(XenopsError) in .start(force: try a.optional("paused") ?? false) },
        op("VM.shutdown", [id, P("delay", "float option (seconds; absent = hard)", optional: true)], "Clean shutdown with a timeout, or hard when no delay.") { a throws(XenopsError) in .shutdown(delay: try a.optional("delay")) },
        op("VM.reboot", [id, P("delay", "float option (seconds; absent = hard)", optional: true)], "Clean reboot with a timeout, or hard when no delay.") { a throws(XenopsError) in .reboot(delay: try a.optional("delay")) },
        RPCMethod("VM.migrate", .task, [id, P("vdi_map", "{src: dst}"), P("vif_map", "{vif: Network.t}"), P("pci_map", "{vgpu: Pci.address}"), P("xenops_url", "string"), P("compress", "bool"), P("verify_dest", "bool"), P("localhost_migration", "bool")], "Live-migrates the VM to the daemon at xenops_url (source side; Docs/migration.md).") { a, s throws(XenopsError) in
            let request = MigrateRequest(
                vdiMap: try a.optional("vdi_map") ?? [:], vifMap: try a.optional("vif_map") ?? [:], pciMap: try a.optional("pci_map") ?? [:],
                xenopsURL: try a.required("xenops_url"), compress: try a.optional("compress") ?? false,
                verifyDest: try a.optional("verify_dest") ?? false, localhostMigration: try a.optional("localhost_migration") ?? false)
            return .string(try await s.vmMigrate(a.dbg, id: try a.required("id"), request))
        },
        op("VM.suspend", [id, P("suspend_vdi", "disk (only [\"Local\", path])")], "Saves the domain to a suspend image and destroys it.") { a throws(XenopsError) in .suspend(try a.required("suspend_vdi")) },
        op("VM.resume", [id, P("suspend_vdi", "disk (only [\"Local\", path])")], "Rebuilds the domain from a suspend image, left paused.") { a throws(XenopsError) in .resume(try a.required("suspend_vdi")) },
        RPCMethod("VM.fast_resume", .unimplemented, [id], "Resumes a checkpointed domain.") { a, _ throws(XenopsError) in throw .unimplemented(a.method) },
        op("VM.s3suspend", [id], "Asks the guest to enter ACPI S3.") { _ throws(XenopsError) in .s3Suspend },
        op("VM.s3resume", [id], "Wakes the guest from ACPI S3.") { _ throws(XenopsError) in .s3Resume },

        // PCI
        RPCMethod("PCI.add", .sync, [P("pci", "Pci.t")], "Stores a PCI passthrough device.") { a, s throws(XenopsError) in
            try await s.pciAdd(a.dbg, pci: try a.required("pci")).xenops
        },
        RPCMethod("PCI.remove", .sync, [deviceID], "Forgets an unplugged PCI device.") { a, s throws(XenopsError) in
            try await s.pciRemove(a.dbg, id: try a.deviceID()); return .null
        },
        RPCMethod("PCI.stat", .sync, [deviceID], "[Pci.t, Pci.state].") { a, s throws(XenopsError) in
            let (pci, state) = try await s.pciStat(a.dbg, id: try a.deviceID())
            return pair(pci, state)
        },
        RPCMethod("PCI.list", .sync, [P("id", "string (VM uuid)")], "The PCI devices of a VM.") { a, s throws(XenopsError) in
            pairs(try await s.pciList(a.dbg, vm: try a.required("id")))
        },
        RPCMethod("PCI.dequarantine", .sync, [P("pci_addr", "Pci.address")], "Returns a device from quarantine (pciback) to dom0.") { a, s throws(XenopsError) in
            try await s.pciDequarantine(a.dbg, address: try a.required("pci_addr")); return .null
        },

        // VBD
        RPCMethod("VBD.add", .sync, [P("vbd", "Vbd.t")], "Stores a VBD.") { a, s throws(XenopsError) in
            try await s.vbdAdd(a.dbg, vbd: try a.required("vbd")).xenops
        },
        RPCMethod("VBD.remove", .sync, [deviceID], "Forgets an unplugged VBD.") { a, s throws(XenopsError) in
            try await s.vbdRemove(a.dbg, id: try a.deviceID()); return .null
        },
        RPCMethod("VBD.stat", .sync, [deviceID], "[Vbd.t, Vbd.state].") { a, s throws(XenopsError) in
            let (vbd, state) = try await s.vbdStat(a.dbg, id: try a.deviceID())
            return pair(vbd, state)
        },
        RPCMethod("VBD.list", .sync, [P("id", "string (VM uuid)")], "The VBDs of a VM.") { a, s throws(XenopsError) in
            pairs(try await s.vbdList(a.dbg, vm: try a.required("id")))
        },
        op("VBD.plug", [deviceID], "Hot-plugs a VBD.", { a throws(XenopsError) in .vbdPlug(try a.deviceID().name) }, device: true),
        op("VBD.unplug", [deviceID, P("force", "bool")], "Hot-unplugs a VBD.", { a throws(XenopsError) in .vbdUnplug(try a.deviceID().name, force: try a.optional("force") ?? false) }, device: true),
        op("VBD.eject", [deviceID], "Ejects a CD.", { a throws(XenopsError) in .vbdEject(try a.deviceID().name) }, device: true),
        op("VBD.insert", [deviceID, P("disk", "disk")], "Inserts a CD.", { a throws(XenopsError) in .vbdInsert(try a.deviceID().name, try a.required("disk")) }, device: true),
        op("VBD.set_qos", [deviceID], "Applies the VBD's stored qos (ionice) to its backend.", { a throws(XenopsError) in .vbdSetQoS(try a.deviceID().name) }, device: true),

        // VUSB, VGPU
        RPCMethod("VUSB.add", .sync, [P("vusb", "Vusb.t")], "Stores a VUSB.") { a, s throws(XenopsError) in
            try await s.vusbAdd(a.dbg, vusb: try a.required("vusb")).xenops
        },
        RPCMethod("VUSB.remove", .sync, [deviceID], "Forgets an unplugged VUSB.") { a, s throws(XenopsError) in
            try await s.vusbRemove(a.dbg, id: try a.deviceID()); return .null
        },
        RPCMethod("VUSB.stat", .sync, [deviceID], "[Vusb.t, Vusb.state].") { a, s throws(XenopsError) in
            let (vusb, state) = try await s.vusbStat(a.dbg, id: try a.deviceID())
            return pair(vusb, state)
        },
        RPCMethod("VUSB.list", .sync, [P("id", "string (VM uuid)")], "The VUSBs of a VM.") { a, s throws(XenopsError) in
            pairs(try await s.vusbList(a.dbg, vm: try a.required("id")))
        },
        op("VUSB.plug", [deviceID], "Passes a host USB device through to the guest.", { a throws(XenopsError) in .vusbPlug(try a.deviceID().name) }, device: true),
        op("VUSB.unplug", [deviceID], "Takes a passed-through USB device from the guest.", { a throws(XenopsError) in .vusbUnplug(try a.deviceID().name) }, device: true),
        RPCMethod("VGPU.add", .sync, [P("vgpu", "Vgpu.t")], "Stores a vGPU.") { a, s throws(XenopsError) in
            try await s.vgpuAdd(a.dbg, vgpu: try a.required("vgpu")).xenops
        },
        RPCMethod("VGPU.remove", .sync, [deviceID], "Forgets a vGPU.") { a, s throws(XenopsError) in
            try await s.vgpuRemove(a.dbg, id: try a.deviceID()); return .null
        },
        RPCMethod("VGPU.stat", .sync, [deviceID], "[Vgpu.t, Vgpu.state].") { a, s throws(XenopsError) in
            let (vgpu, state) = try await s.vgpuStat(a.dbg, id: try a.deviceID())
            return pair(vgpu, state)
        },
        RPCMethod("VGPU.list", .sync, [P("id", "string (VM uuid)")], "The vGPUs of a VM.") { a, s throws(XenopsError) in
            pairs(try await s.vgpuList(a.dbg, vm: try a.required("id")))
        },

        // VIF
        RPCMethod("VIF.add", .sync, [P("vif", "Vif.t")], "Stores a VIF.") { a, s throws(XenopsError) in
            try await s.vifAdd(a.dbg, vif: try a.required("vif")).xenops
        },
        RPCMethod("VIF.remove", .sync, [deviceID], "Forgets an unplugged VIF.") { a, s throws(XenopsError) in
            try await s.vifRemove(a.dbg, id: try a.deviceID()); return .null
        },
        RPCMethod("VIF.stat", .sync, [deviceID], "[Vif.t, Vif.state].") { a, s throws(XenopsError) in
            let (vif, state) = try await s.vifStat(a.dbg, id: try a.deviceID())
            return pair(vif, state)
        },
        RPCMethod("VIF.list", .sync, [P("id", "string (VM uuid)")], "The VIFs of a VM.") { a, s throws(XenopsError) in
            pairs(try await s.vifList(a.dbg, vm: try a.required("id")))
        },
        op("VIF.plug", [deviceID], "Hot-plugs a VIF.", { a throws(XenopsError) in .vifPlug(try a.deviceID().name) }, device: true),
        op("VIF.unplug", [deviceID, P("force", "bool")], "Hot-unplugs a VIF.", { a throws(XenopsError) in .vifUnplug(try a.deviceID().name, force: try a.optional("force") ?? false) }, device: true),
        op("VIF.move", [deviceID, P("network", "Network.t")], "Moves a VIF to another bridge.", { a throws(XenopsError) in .vifSet(try a.deviceID().name, .network(try a.required("network"))) }, device: true),
        op("VIF.set_carrier", [deviceID, P("carrier", "bool")], "Sets the link state.", { a throws(XenopsError) in .vifSetCarrier(try a.deviceID().name, try a.required("carrier")) }, device: true),
        op("VIF.set_locking_mode", [deviceID, P("locking_mode", "locking_mode")], "Stores the locking mode and applies it (setup-vif-rules).", { a throws(XenopsError) in
            .vifSet(try a.deviceID().name, .lockingMode(try a.required("locking_mode")))
        }, device: true),
        op("VIF.set_ipv4_configuration", [deviceID, P("ipv4_configuration", "ipv4_configuration")], "Stores the static IPv4 setting and publishes it to the guest agent.", { a throws(XenopsError) in
            .vifSet(try a.deviceID().name, .ipv4(try a.required("ipv4_configuration")))
        }, device: true),
        op("VIF.set_ipv6_configuration", [deviceID, P("ipv6_configuration", "ipv6_configuration")], "Stores the static IPv6 setting and publishes it to the guest agent.", { a throws(XenopsError) in
            .vifSet(try a.deviceID().name, .ipv6(try a.required("ipv6_configuration")))
        }, device: true),
        op("VIF.set_pvs_proxy", [deviceID, P("proxy", "PVS_proxy.t option", optional: true)], "Stores the PVS proxy and applies it (setup-pvs-proxy-rules).", { a throws(XenopsError) in
            .vifSet(try a.deviceID().name, .pvsProxy(try a.optional("proxy")))
        }, device: true),
        op("VIF.set_trunks", [deviceID, P("trunks", "int64 list")], "Applies the VLAN trunks (Open vSwitch) and stores them.", { a throws(XenopsError) in
            .vifSet(try a.deviceID().name, .trunks(try a.required("trunks")))
        }, device: true),

        // UPDATES
        RPCMethod("UPDATES.get", .sync, [P("last_id", "int option", optional: true), P("timeout", "int option (seconds)", optional: true)], "Waits for changes after last_id: [barriers, ids, next].", longPoll: true) { a, s throws(XenopsError) in
            try await s.updatesGet(a.dbg, lastID: try a.optional("last_id"), timeout: try a.optional("timeout")).xenops
        },
        RPCMethod("UPDATES.last_id", .sync, [], "The current counter.") { a, s throws(XenopsError) in
            .int(Int64(try await s.updatesLastID(a.dbg)))
        },
        RPCMethod("UPDATES.inject_barrier", .sync, [P("vm_id", "string (VM uuid)"), P("id", "int (token)")], "Snapshots a VM's pending updates under a token.") { a, s throws(XenopsError) in
            try await s.updatesInjectBarrier(a.dbg, vm: try a.required("vm_id"), id: try a.required("id")); return .null
        },
        RPCMethod("UPDATES.remove_barrier", .sync, [P("id", "int (token)")], "Drops a barrier.") { a, s throws(XenopsError) in
            try await s.updatesRemoveBarrier(a.dbg, id: try a.required("id")); return .null
        },
        RPCMethod("UPDATES.refresh_vm", .sync, [P("id", "string (VM uuid)")], "Re-signals a VM and its devices.") { a, s throws(XenopsError) in
            try await s.updatesRefreshVM(a.dbg, vm: try a.required("id")); return .null
        },

        // DEBUG
        RPCMethod("DEBUG.trigger", .sync, [P("cmd", "string"), P("args", "string list")], "set-cancel-trigger [dbg; n], or a backend command (simulator: reboot/halt/crash [uuid]).") { a, s throws(XenopsError) in
            try await s.debugTrigger(a.dbg, command: try a.required("cmd"), args: try a.optional("args") ?? []); return .null
        },
        RPCMethod("DEBUG.shutdown", .unimplemented, [unit], "Exits the daemon.") { a, _ throws(XenopsError) in throw .unimplemented(a.method) },
    ] + observerMethods

    /// `Observer.*` (OpenTelemetry control, xenops-interface.md §1.7): the first parameter is
    /// `dbg`, not `debug_info`, and the other names are the literal type names ocaml-rpc uses
    /// (`uuid`, `name_label`, `dict`, `endpoints`, `bool`, `string`, `int`, `float`). Their
    /// error type has only `Internal_error`, `Unimplemented` and `Unknown_error`, which the
    /// engine keeps to.
    static let observerMethods: [RPCMethod] = {
        let uuid = P("uuid", "string (observer uuid)"), dict = P("dict", "{key: value}"), endpoints = P("endpoints", "string list")
        func observer(_ name: String, _ params: [P], _ summary: String, _ make: @escaping @Sendable (RPCArguments) throws(XenopsError) -> ObserverCommand) -> RPCMethod {
            RPCMethod("Observer.\(name)", .sync, params, summary) { a, s throws(XenopsError) in
                let dbg: String = try a.optional("dbg") ?? a.dbg
                try await s.observer(dbg, try make(a)); return .null
            }
        }
        return [
            observer("create", [uuid, P("name_label", "string"), dict, endpoints, P("bool", "bool (enabled)")], "Adds a tracer provider (an existing uuid is kept).") { a throws(XenopsError) in
                .create(uuid: try a.required("uuid"), nameLabel: try a.required("name_label"), attributes: try a.required("dict"), endpoints: try a.required("endpoints"), enabled: try a.required("bool"))
            },
            observer("destroy", [uuid], "Forgets a tracer provider.") { a throws(XenopsError) in .destroy(uuid: try a.required("uuid")) },
            observer("set_enabled", [uuid, P("bool", "bool")], "Turns a tracer provider on or off.") { a throws(XenopsError) in
                .setEnabled(uuid: try a.required("uuid"), enabled: try a.required("bool"))
            },
            observer("set_attributes", [uuid, dict], "Replaces a provider's attributes.") { a throws(XenopsError) in
                .setAttributes(uuid: try a.required("uuid"), attributes: try a.required("dict"))
            },
            observer("set_endpoints", [uuid, endpoints], "Replaces a provider's endpoints.") { a throws(XenopsError) in
                .setEndpoints(uuid: try a.required("uuid"), endpoints: try a.required("endpoints"))
            },
            observer("init", [], "Starts the exporter (recorded; no spans are exported yet).") { _ throws(XenopsError) in .initialise },
            observer("set_trace_log_dir", [P("string", "string (directory)")], "Where trace files go.") { a throws(XenopsError) in .setTraceLogDir(try a.required("string")) },
            observer("set_export_interval", [P("float", "float (seconds)")], "Seconds between exports.") { a throws(XenopsError) in .setExportInterval(try a.required("float")) },
            observer("set_export_chunk_size", [P("int", "int")], "Spans per export chunk.") { a throws(XenopsError) in .setExportChunkSize(try a.required("int")) },
            observer("set_max_spans", [P("int", "int")], "Spans kept per trace.") { a throws(XenopsError) in .setMaxSpans(try a.required("int")) },
            observer("set_max_traces", [P("int", "int")], "Traces kept.") { a throws(XenopsError) in .setMaxTraces(try a.required("int")) },
            observer("set_max_depth", [P("int", "int")], "Maximum span depth.") { a throws(XenopsError) in .setMaxDepth(try a.required("int")) },
            observer("set_max_file_size", [P("int", "int (bytes)")], "Bytes per trace file.") { a throws(XenopsError) in .setMaxFileSize(try a.required("int")) },
            observer("set_host_id", [P("string", "string")], "The host id put in spans.") { a throws(XenopsError) in .setHostID(try a.required("string")) },
            observer("set_compress_tracing_files", [P("bool", "bool")], "Whether trace files are compressed.") { a throws(XenopsError) in .setCompressTracingFiles(try a.required("bool")) },
        ]
    }()

    /// The methods by wire name (case-sensitive, as in xenopsd).
    public static let byName: [String: RPCMethod] = Dictionary(uniqueKeysWithValues: methods.map { ($0.name, $0) })
}

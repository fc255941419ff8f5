import Foundation
import XenopsCore
import XenopsTestSupport

/// The JSON-RPC documents of xenops-interface.md §3.5, byte for byte as XAPI sends them.
enum RawRPCDocuments {
    static let vmID = "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"
    static let dbg = "Async.VM.start R:593283cf10c0"

    /// The decoded `metadata` of example (a): an HVM/UEFI VM with one disk and one NIC.
    static func metadata(id: String = vmID, name: String = "debian12") -> String {
        #"""
        {"vm":{"id":"\#(id)","name":"\#(name)","ssidref":0,
          "xsdata":{"vm-data":""},
          "platformdata":{"featureset":"17cbfbff-f7fa3223-2d93fbff-00000023","device-model":"qemu-upstream-uefi",
             "acpi":"1","apic":"true","pae":"true","nx":"true","hpet":"true","viridian":"false","vga":"std",
             "videoram":"8","timeoffset":"0","cores-per-socket":"2","device_id":"0001","generation-id":""},
          "bios_strings":{"bios-vendor":"Xen","system-manufacturer":"Xen","system-product-name":"HVM domU"},
          "ty":["HVM",{"hap":true,"shadow_multiplier":1.0,"timeoffset":"0","video_mib":8,"video":"Standard_VGA",
                "acpi":true,"serial":"pty","pci_emulations":[],"pci_passthrough":false,"boot_order":"cd",
                "qemu_disk_cmdline":false,"qemu_stubdom":false,
                "firmware":["Uefi",{"on_boot":"Persist","backend":"xapidb"}]}],
          "suppress_spurious_page_faults":false,
          "memory_static_max":4294967296,"memory_dynamic_max":4294967296,"memory_dynamic_min":2147483648,
          "vcpu_max":2,"vcpus":2,"scheduler_params":{"priority":[256,0],"affinity":[]},
          "on_crash":["Shutdown"],"on_shutdown":["Shutdown"],"on_reboot":["Start"],"on_softreboot":["Softreboot"],
          "pci_msitranslate":true,"pci_power_mgmt":false,"has_vendor_device":false,"generation_id":""},
         "vbds":[{"id":["\#(id)","xvda"],"position":["Ide",0,0],"mode":"ReadWrite",
           "backend":["VDI","c94ad7c1-7c2b-4d2f-a8a4-0b0f3c5e6d11/2f6c5b8e-3a1d-4c0b-9e7f-1d2c3b4a5f60"],
           "ty":"Disk","unpluggable":false,"extra_backend_keys":{},"extra_private_keys":{},"persistent":true,
           "can_attach_early":false}],
         "vifs":[{"id":["\#(id)","0"],"position":0,"mac":"aa:bb:cc:00:11:22",
           "carrier":true,"mtu":1500,"backend":["Local","xenbr0"],"other_config":{},"locking_mode":"Unlocked",
           "extra_private_keys":{"vif-uuid":"…","network-uuid":"…"},"ipv4_configuration":"Unspecified4",
           "ipv6_configuration":"Unspecified6","trunks":[]}],
         "pcis":[],"vgpus":[],"vusbs":[]}
        """#
    }

    /// Example (a): `VM.import_metadata` with the metadata double-encoded in a string.
    static func importMetadata(id: String = vmID, name: String = "debian12", requestID: Int = 17) -> String {
        let encoded = JSONValue.string(metadata(id: id, name: name)).jsonString
        return #"{"method":"VM.import_metadata","params":[{"debug_info":"\#(dbg)","metadata":\#(encoded)}],"id":\#(requestID)}"#
    }

    /// Example (b): `VM.start`.
    static func start(id: String = vmID, requestID: Int = 18) -> String {
        #"{"method":"VM.start","params":[{"debug_info":"\#(dbg)","id":"\#(id)","paused":false}],"id":\#(requestID)}"#
    }

    /// Example (b): `VM.unpause`.
    static func unpause(id: String = vmID, requestID: Int = 19) -> String {
        #"{"method":"VM.unpause","params":[{"debug_info":"\#(dbg)","id":"\#(id)"}],"id":\#(requestID)}"#
    }

    /// Example (c): `Task.stat`.
    static func taskStat(_ task: String, requestID: Int = 20) -> String {
        #"{"method":"Task.stat","params":[{"debug_info":"\#(dbg)","id":"\#(task)"}],"id":\#(requestID)}"#
    }

    static func taskDestroy(_ task: String, requestID: Int = 23) -> String {
        #"{"method":"Task.destroy","params":[{"debug_info":"\#(dbg)","id":"\#(task)"}],"id":\#(requestID)}"#
    }

    /// Example (d): `UPDATES.get` as XAPI's event thread sends it; `timeout` absent means forever.
    static func updatesGet(lastID: Int?, timeout: Int?, requestID: Int = 21) -> String {
        var params = #""debug_info":"org.xen.xapi.xenops.classic events D:23b896eda772""#
        if let lastID { params += #","last_id":\#(lastID)"# }
        if let timeout { params += #","timeout":\#(timeout)"# }
        return #"{"method":"UPDATES.get","params":[{\#(params)}],"id":\#(requestID)}"#
    }

    /// Example (e): `query`.
    static let query = #"{"method":"query","params":[{"debug_info":"xapi","unit":null}],"id":1}"#

    static func vmStat(_ id: String, requestID: Int = 22) -> String {
        #"{"method":"VM.stat","params":[{"debug_info":"x","id":"\#(id)"}],"id":\#(requestID)}"#
    }

    static func vmList(requestID: Int = 30) -> String {
        #"{"method":"VM.list","params":[{"debug_info":"xapi","unit":null}],"id":\#(requestID)}"#
    }

    static func vmShutdown(_ id: String, requestID: Int = 31) -> String {
        #"{"method":"VM.shutdown","params":[{"debug_info":"\#(dbg)","id":"\#(id)"}],"id":\#(requestID)}"#
    }
}

/// Parses a reply body.
func json(_ response: RawHTTPResponse) throws -> JSONValue {
    try JSONValue.parse(response.body)
}

extension DaemonProcess {
    /// Sends a document and returns the reply's `result`, failing the test on an error reply.
    func result(_ body: String) async throws -> JSONValue {
        let reply = try json(try await call(body))
        guard reply["error"] == .null else {
            throw DaemonError("\(body.prefix(80))… failed: \(reply.jsonString)")
        }
        return reply["result"] ?? .null
    }

    /// Waits on UPDATES.get, as XAPI's `wait_for_task` does, until every task in `tasks` has
    /// finished; returns their final `Task.stat` results.
    func waitForTasks(_ tasks: [String], timeout: Duration = .seconds(60)) async throws -> [String: JSONValue] {
        var finished: [String: JSONValue] = [:]
        var lastID: Int? = nil
        let deadline = ContinuousClock.now + timeout
        while finished.count < tasks.count {
            guard ContinuousClock.now < deadline else { throw DaemonError("tasks \(tasks) did not finish within \(timeout)") }
            let updates = try await result(RawRPCDocuments.updatesGet(lastID: lastID, timeout: 5))
            guard case .array(let parts) = updates, parts.count == 3, case .int(let next) = parts[2] else {
                throw DaemonError("bad UPDATES.get result \(updates.jsonString)")
            }
            lastID = Int(next)
            for task in tasks where finished[task] == nil {
                guard parts[1].arrayElements?.contains(.array([.string("Task"), .string(task)])) == true else { continue }
                let stat = try await result(RawRPCDocuments.taskStat(task))
                if case .array(let state)? = stat["state"], state.first != .string("Pending") { finished[task] = stat }
            }
        }
        return finished
    }

    /// The `[power_state, domids]` of every VM, by id, from VM.list.
    func powerStates() async throws -> [String: (String, [JSONValue])] {
        let list = try await result(RawRPCDocuments.vmList())
        var states: [String: (String, [JSONValue])] = [:]
        for pair in list.arrayElements ?? [] {
            guard let id = pair.arrayElements?[0]["id"]?.stringValue, let state = pair.arrayElements?[1] else { continue }
            states[id] = (state["power_state"]?.stringValue ?? "?", state["domids"]?.arrayElements ?? [])
        }
        return states
    }
}

import Foundation
import XenopsCore

/// Documents and helpers for the CLI end-to-end tests.
enum CLIFixtures {
    /// A PV VM with a disk (xvda), an empty CD drive (xvdd) and one NIC ("0"), as a Metadata.t.
    static func metadata(id: String, name: String) -> String {
        #"""
        {"vm": {"id": "\#(id)", "name": "\#(name)", "ssidref": 0, "xsdata": {}, "platformdata": {}, "bios_strings": {},
                "ty": ["PV", {"boot": ["Direct", {"kernel": "/boot/vmlinuz", "cmdline": "console=hvc0"}]}],
                "suppress_spurious_page_faults": false,
                "memory_static_max": 536870912, "memory_dynamic_max": 536870912, "memory_dynamic_min": 536870912,
                "vcpu_max": 2, "vcpus": 2, "scheduler_params": {"affinity": []},
                "on_crash": ["Shutdown"], "on_shutdown": ["Shutdown"], "on_reboot": ["Start"],
                "pci_msitranslate": true, "pci_power_mgmt": false},
         "vbds": [{"id": ["\#(id)", "xvda"], "position": ["Xen", 0, 0], "mode": "ReadWrite",
                   "backend": ["Local", "/dev/null"], "ty": "Disk"},
                  {"id": ["\#(id)", "xvdd"], "position": ["Xen", 3, 0], "mode": "ReadOnly", "ty": "CDROM"}],
         "vifs": [{"id": ["\#(id)", "0"], "position": 0, "mac": "aa:bb:cc:00:11:22", "backend": ["Local", "xenbr0"]}]}
        """#
    }

    /// The same VM as a bare Vm.t (no devices).
    static func bareVM(id: String, name: String) -> String {
        let json = try! JSONValue.parse(metadata(id: id, name: name))
        return json["vm"]!.jsonString
    }

    /// A fresh VM uuid.
    static func newID() -> String { UUID().uuidString.lowercased() }

    /// Writes `text` to a temporary file and returns its path.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vm-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension CLIRunner.Result {
    /// The value of a `Key:  value` line of key/value output.
    func field(_ key: String) -> String? {
        for line in lines where line.hasPrefix(key + ":") {
            return line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

import Foundation

/// Worked examples of xenops-interface.md §3.5 that several test targets use: the codec tests
/// decode them, the end-to-end tests send them to the daemon as XAPI would.
public enum InterfaceExamples {
    /// The VM uuid of the examples.
    public static let vmID = "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"

    /// §3.5 (a): the decoded `metadata` of `VM.import_metadata` for an HVM/UEFI VM with one disk
    /// and one NIC, every field of every record present (the document's "…" placeholders
    /// replaced by plausible uuids).
    public static func metadata(id: String = vmID, name: String = "debian12") -> String {
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
           "extra_private_keys":{"vif-uuid":"5e3f9a7c-1b2d-4e6f-8a9b-0c1d2e3f4a5b","network-uuid":"9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a"},
           "ipv4_configuration":"Unspecified4","ipv6_configuration":"Unspecified6","trunks":[]}],
         "pcis":[],"vgpus":[],"vusbs":[]}
        """#
    }
}

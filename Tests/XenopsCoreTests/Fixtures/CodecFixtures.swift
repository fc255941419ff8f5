import XenopsCore
import XenopsTestSupport

/// The xenops documents the codec tests decode, as string literals (interface doc §3.5, with
/// its "…" placeholders replaced by plausible values), and the helpers that compare them.
enum CodecFixtures {
    static let vmUUID = "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"
    static let vdiName = "c94ad7c1-7c2b-4d2f-a8a4-0b0f3c5e6d11/2f6c5b8e-3a1d-4c0b-9e7f-1d2c3b4a5f60"

    /// §3.5 (a): the decoded `metadata` of `VM.import_metadata` for an HVM/UEFI VM with one
    /// disk and one NIC. Every field of every record is present.
    static let fullMetadata = InterfaceExamples.metadata()

    /// The record fields whose type is `(string * string) list`: their values are objects
    /// whose keys are data, not field names.
    static let mapFields: Set<String> = [
        "xsdata", "platformdata", "bios_strings", "extra_backend_keys", "extra_private_keys", "other_config",
        "subtasks", "debug_info",
    ]

    /// Every variant tag that occurs in ``fullMetadata``.
    static let metadataTags: Set<String> = [
        "HVM", "Standard_VGA", "Uefi", "Persist", "Shutdown", "Start", "Softreboot", "Ide", "ReadWrite", "VDI",
        "Disk", "Local", "Unlocked", "Unspecified4", "Unspecified6",
    ]

    // MARK: Defaults (§2: every `=d` field omitted, and the same document written out in full)

    /// Fields that are the same in the minimal and the full HVM documents.
    private static let requiredVMFields = #"""
        "id":"7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","ssidref":0,"xsdata":{},"platformdata":{},"bios_strings":{},
        "suppress_spurious_page_faults":false,
        "memory_static_max":4294967296,"memory_dynamic_max":4294967296,"memory_dynamic_min":2147483648,
        "vcpu_max":2,"vcpus":2,"scheduler_params":{"affinity":[]},
        "on_crash":["Shutdown"],"on_shutdown":["Shutdown"],"on_reboot":["Start"],
        "pci_msitranslate":true,"pci_power_mgmt":false
        """#

    private static let vmDefaults = #"""
        "name":"unnamed","on_softreboot":["Softreboot"],"has_vendor_device":false
        """#

    private static let metadataListDefaults = #"""
        "pcis":[],"vgpus":[],"vusbs":[]
        """#

    /// HVM with `hvm_info` `{}`, a VBD and a VIF with only their `id`, and no `name`,
    /// `on_softreboot` or `has_vendor_device`.
    static let minimalHVMMetadata = """
        {"vm":{\(requiredVMFields),"ty":["HVM",{}]},
         "vbds":[{"id":["7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","xvda"]}],
         "vifs":[{"id":["7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","0"]}]}
        """

    /// ``minimalHVMMetadata`` with every default written out.
    static let defaultedHVMMetadata = """
        {"vm":{\(requiredVMFields),\(vmDefaults),
           "ty":["HVM",{"hap":true,"shadow_multiplier":1.0,"timeoffset":"","video_mib":4,"video":"Cirrus",
                 "acpi":true,"pci_emulations":[],"pci_passthrough":false,"boot_order":"",
                 "qemu_disk_cmdline":false,"qemu_stubdom":false,"firmware":"Bios"}]},
         "vbds":[{"id":["7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","xvda"],"mode":"ReadWrite","ty":"Disk",
                  "unpluggable":true,"extra_backend_keys":{},"extra_private_keys":{},"persistent":true,
                  "can_attach_early":false}],
         "vifs":[{"id":["7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","0"],"position":0,"mac":"fe:ff:ff:ff:ff:ff",
                  "carrier":true,"mtu":1500,"backend":["Local","xenbr0"],"other_config":{},
                  "locking_mode":"Unlocked","extra_private_keys":{},"ipv4_configuration":"Unspecified4",
                  "ipv6_configuration":"Unspecified6","trunks":[]}],
         \(metadataListDefaults)}
        """

    /// A PV VM: Metadata with only `vm`, `pv_info` with only `boot`, and boot records `{}`.
    static func minimalPVMetadata(boot: String) -> String {
        """
        {"vm":{\(requiredVMFields),"ty":["PV",{"boot":["\(boot)",{}]}]}}
        """
    }

    /// ``minimalPVMetadata(boot:)`` with every default written out.
    static func defaultedPVMetadata(boot: String) -> String {
        let bootRecord =
            boot == "Direct"
            ? #"{"kernel":"","cmdline":""}"#
            : #"{"bootloader":"","extra_args":"","legacy_args":"","bootloader_args":"","devices":[]}"#
        return """
            {"vm":{\(requiredVMFields),\(vmDefaults),
               "ty":["PV",{"boot":["\(boot)",\(bootRecord)],"framebuffer":true,"vncterm":true,"pci_passthrough":false}]},
             "vbds":[],"vifs":[],\(metadataListDefaults)}
            """
    }

    // MARK: Helpers

    static func json(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

    static func decode<T: XenopsCodable>(_ type: T.Type, _ text: String) throws -> T {
        try T(xenops: JSONValue.parse(text))
    }

    /// The decode error for `text`, or nil if it decodes (or does not parse).
    static func decodeError<T: XenopsCodable>(_ type: T.Type, _ text: String) -> XenopsDecodeError? {
        guard let value = try? JSONValue.parse(text) else { return nil }
        do {
            _ = try T(xenops: value)
            return nil
        } catch let error as XenopsDecodeError {
            return error
        } catch {
            return nil
        }
    }

    /// A copy of `value` with one object member replaced (or added) at `path`, a list of keys.
    static func setting(_ path: [String], to newValue: JSONValue?, in value: JSONValue) -> JSONValue {
        guard let key = path.first, case .object(var members) = value else { return value }
        let index = members.firstIndex { $0.key == key }
        if path.count == 1 {
            if let index {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(JSONMember(key, newValue))
            }
        } else if let index {
            members[index].value = setting(Array(path.dropFirst()), to: newValue, in: members[index].value)
        }
        return .object(members)
    }

    /// Where two documents differ, or nil if they are the same document: object members in
    /// any order, but kinds compared strictly (an integer is not a float) so that a float
    /// field written as `1` instead of `1.0` is caught.
    static func difference(_ a: JSONValue, _ b: JSONValue, at path: String = "$") -> String? {
        switch (a, b) {
        case (.null, .null): return nil
        case let (.bool(x), .bool(y)): return x == y ? nil : "\(path): \(x) vs \(y)"
        case let (.int(x), .int(y)): return x == y ? nil : "\(path): \(x) vs \(y)"
        case let (.double(x), .double(y)): return x == y ? nil : "\(path): \(x) vs \(y)"
        case let (.string(x), .string(y)): return x == y ? nil : "\(path): \"\(x)\" vs \"\(y)\""
        case let (.array(x), .array(y)):
            guard x.count == y.count else { return "\(path): \(x.count) elements vs \(y.count)" }
            for (index, pair) in zip(x, y).enumerated() {
                if let d = difference(pair.0, pair.1, at: "\(path)[\(index)]") { return d }
            }
            return nil
        case let (.object(x), .object(y)):
            let xKeys = x.map(\.key), yKeys = y.map(\.key)
            if Set(xKeys) != Set(yKeys) || xKeys.count != yKeys.count {
                let onlyX = Set(xKeys).subtracting(yKeys).sorted(), onlyY = Set(yKeys).subtracting(xKeys).sorted()
                return "\(path): keys only on the left \(onlyX), only on the right \(onlyY)"
            }
            for member in x {
                let other = y.first { $0.key == member.key }!.value
                if let d = difference(member.value, other, at: "\(path).\(member.key)") { return d }
            }
            return nil
        default:
            return "\(path): \(a.kindName) \(a.jsonString) vs \(b.kindName) \(b.jsonString)"
        }
    }
}

/// How the case-insensitivity tests rewrite record keys and variant tags.
enum CaseMangling: String, CaseIterable, Sendable, CustomStringConvertible {
    case upper
    case alternating
    case capitalized

    var description: String { rawValue }

    func apply(_ text: String) -> String {
        switch self {
        case .upper:
            return text.uppercased()
        case .alternating:
            return String(
                text.enumerated().map { index, c in index % 2 == 0 ? Character(c.uppercased()) : Character(c.lowercased()) }
            )
        case .capitalized:
            return text.split(separator: "_", omittingEmptySubsequences: false)
                .map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
                .joined(separator: "_")
        }
    }

    /// `value` with every record key and every string in `tags` rewritten, leaving alone the
    /// keys of the objects held by `mapFields` (they are data).
    func mangle(_ value: JSONValue, tags: Set<String>, mapFields: Set<String>) -> JSONValue {
        switch value {
        case .string(let s) where tags.contains(s):
            return .string(apply(s))
        case .array(let elements):
            return .array(elements.map { mangle($0, tags: tags, mapFields: mapFields) })
        case .object(let members):
            return .object(
                members.map { member in
                    let newValue = mapFields.contains(member.key) ? member.value : mangle(member.value, tags: tags, mapFields: mapFields)
                    return JSONMember(apply(member.key), newValue)
                }
            )
        default:
            return value
        }
    }
}

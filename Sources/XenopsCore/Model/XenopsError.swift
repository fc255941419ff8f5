/// `Errors.error`: every error the xenops API can report, plus the human words for it.
///
/// The cases mirror the OCaml catalog one for one, so the wire form is what XAPI expects.
/// ``message`` says what failed and ``remedy`` what to do; an unknown tag decodes to
/// ``unknownError`` so a newer peer cannot crash an older one.
public enum XenopsError: Error, Sendable, Hashable {
    case alreadyExists(namespace: String, path: String)
    case doesNotExist(namespace: String, path: String)
    case unimplemented(String)
    case domainNotBuilt
    case invalidVcpus(Int)
    case badPowerState(found: PowerState, expected: PowerState)
    case failedToAcknowledgeShutdownRequest
    case failedToAcknowledgeSuspendRequest
    case failedToShutdown(vm: String, timeout: Double)
    case failedToSuspend(vm: String, timeout: Double)
    case deviceIsConnected
    case deviceNotConnected
    case deviceDetachRejected(kind: String, id: String, reason: String)
    case mediaNotEjectable
    case mediaPresent
    case mediaNotPresent
    case noBootableDevice
    case bootloaderError(vm: String, message: String)
    case cannotFreeThisMuchMemory(needed: Int64, free: Int64)
    case vmsFailedToCooperate([String])
    case ioError
    case failedToContactRemoteService(String)
    case hookFailed(script: String, reason: String, stdout: String, detail: String)
    case notEnoughMemory(Int64)
    case cancelled(task: String)
    case storageBackendError(code: String, params: [String])
    case pciBackNotLoaded
    case failedToRunScript(String)
    case failedToStartEmulator(vm: String, name: String, message: String)
    case ballooningTimeoutBeforeMigration
    case internalError(String)
    case unknownError
}

extension XenopsError: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        let v: XenopsVariantReader
        do { v = try XenopsVariantReader(value, typeName: "Errors.error") } catch {
            self = .unknownError
            return
        }
        func strings(_ n: Int) throws -> [String] { try v.tupleArguments(n).map { try String(xenops: $0) } }
        switch v.key {
        case "already_exists": let s = try strings(2); self = .alreadyExists(namespace: s[0], path: s[1])
        case "does_not_exist": let s = try strings(2); self = .doesNotExist(namespace: s[0], path: s[1])
        case "unimplemented": self = .unimplemented(try v.argument())
        case "domain_not_built": self = .domainNotBuilt
        case "invalid_vcpus": self = .invalidVcpus(try v.argument())
        case "bad_power_state":
            let e = try v.tupleArguments(2)
            self = .badPowerState(found: try PowerState(xenops: e[0]), expected: try PowerState(xenops: e[1]))
        case "failed_to_acknowledge_shutdown_request": self = .failedToAcknowledgeShutdownRequest
        case "failed_to_acknowledge_suspend_request": self = .failedToAcknowledgeSuspendRequest
        case "failed_to_shutdown":
            let e = try v.tupleArguments(2)
            self = .failedToShutdown(vm: try String(xenops: e[0]), timeout: try Double(xenops: e[1]))
        case "failed_to_suspend":
            let e = try v.tupleArguments(2)
            self = .failedToSuspend(vm: try String(xenops: e[0]), timeout: try Double(xenops: e[1]))
        case "device_is_connected": self = .deviceIsConnected
        case "device_not_connected": self = .deviceNotConnected
        case "device_detach_rejected":
            let s = try strings(3); self = .deviceDetachRejected(kind: s[0], id: s[1], reason: s[2])
        case "media_not_ejectable": self = .mediaNotEjectable
        case "media_present": self = .mediaPresent
        case "media_not_present": self = .mediaNotPresent
        case "no_bootable_device": self = .noBootableDevice
        case "bootloader_error": let s = try strings(2); self = .bootloaderError(vm: s[0], message: s[1])
        case "cannot_free_this_much_memory":
            let e = try v.tupleArguments(2)
            self = .cannotFreeThisMuchMemory(needed: try Int64(xenops: e[0]), free: try Int64(xenops: e[1]))
        case "vms_failed_to_cooperate": self = .vmsFailedToCooperate(try v.argument())
        case "io_error": self = .ioError
        case "failed_to_contact_remote_service": self = .failedToContactRemoteService(try v.argument())
        case "hook_failed":
            let s = try strings(4); self = .hookFailed(script: s[0], reason: s[1], stdout: s[2], detail: s[3])
        case "not_enough_memory": self = .notEnoughMemory(try v.argument())
        case "cancelled": self = .cancelled(task: try v.argument())
        case "storage_backend_error":
            let e = try v.tupleArguments(2)
            self = .storageBackendError(code: try String(xenops: e[0]), params: try [String](xenops: e[1]))
        case "pciback_not_loaded": self = .pciBackNotLoaded
        case "failed_to_run_script": self = .failedToRunScript(try v.argument())
        case "failed_to_start_emulator":
            let s = try strings(3); self = .failedToStartEmulator(vm: s[0], name: s[1], message: s[2])
        case "ballooning_timeout_before_migration": self = .ballooningTimeoutBeforeMigration
        case "internal_error": self = .internalError(try v.argument())
        default: self = .unknownError  // [@@default Unknown_error]
        }
    }

    public var xenops: JSONValue {
        func strs(_ a: String...) -> JSONValue { .array(a.map { .string($0) }) }
        switch self {
        case .alreadyExists(let n, let p): return xenopsVariant("Already_exists", strs(n, p))
        case .doesNotExist(let n, let p): return xenopsVariant("Does_not_exist", strs(n, p))
        case .unimplemented(let s): return xenopsVariant("Unimplemented", .string(s))
        case .domainNotBuilt: return .string("Domain_not_built")
        case .invalidVcpus(let n): return xenopsVariant("Invalid_vcpus", n.xenops)
        case .badPowerState(let f, let e): return xenopsVariant("Bad_power_state", .array([f.xenops, e.xenops]))
        case .failedToAcknowledgeShutdownRequest: return .string("Failed_to_acknowledge_shutdown_request")
        case .failedToAcknowledgeSuspendRequest: return .string("Failed_to_acknowledge_suspend_request")
        case .failedToShutdown(let vm, let t): return xenopsVariant("Failed_to_shutdown", .array([.string(vm), .double(t)]))
        case .failedToSuspend(let vm, let t): return xenopsVariant("Failed_to_suspend", .array([.string(vm), .double(t)]))
        case .deviceIsConnected: return .string("Device_is_connected")
        case .deviceNotConnected: return .string("Device_not_connected")
        case .deviceDetachRejected(let k, let i, let r): return xenopsVariant("Device_detach_rejected", strs(k, i, r))
        case .mediaNotEjectable: return .string("Media_not_ejectable")
        case .mediaPresent: return .string("Media_present")
        case .mediaNotPresent: return .string("Media_not_present")
        case .noBootableDevice: return .string("No_bootable_device")
        case .bootloaderError(let vm, let m): return xenopsVariant("Bootloader_error", strs(vm, m))
        case .cannotFreeThisMuchMemory(let n, let f):
            return xenopsVariant("Cannot_free_this_much_memory", .array([.int(n), .int(f)]))
        case .vmsFailedToCooperate(let vms): return xenopsVariant("Vms_failed_to_cooperate", vms.xenops)
        case .ioError: return .string("IO_error")
        case .failedToContactRemoteService(let s): return xenopsVariant("Failed_to_contact_remote_service", .string(s))
        case .hookFailed(let a, let b, let c, let d): return xenopsVariant("Hook_failed", strs(a, b, c, d))
        case .notEnoughMemory(let n): return xenopsVariant("Not_enough_memory", .int(n))
        case .cancelled(let t): return xenopsVariant("Cancelled", .string(t))
        case .storageBackendError(let c, let p):
            return xenopsVariant("Storage_backend_error", .array([.string(c), p.xenops]))
        case .pciBackNotLoaded: return .string("PCIBack_not_loaded")
        case .failedToRunScript(let s): return xenopsVariant("Failed_to_run_script", .string(s))
        case .failedToStartEmulator(let vm, let n, let m): return xenopsVariant("Failed_to_start_emulator", strs(vm, n, m))
        case .ballooningTimeoutBeforeMigration: return .string("Ballooning_timeout_before_migration")
        case .internalError(let s): return xenopsVariant("Internal_error", .string(s))
        case .unknownError: return .string("Unknown_error")
        }
    }
}

extension XenopsError: CustomStringConvertible {
    /// What failed, in words.
    public var message: String {
        switch self {
        case .alreadyExists(let n, let p): return "\(n) \(p) already exists"
        case .doesNotExist(let n, let p): return "\(n) \(p) does not exist"
        case .unimplemented(let s): return "\(s) is not implemented by this daemon"
        case .domainNotBuilt: return "the domain has not been built"
        case .invalidVcpus(let n): return "invalid vCPU count \(n)"
        case .badPowerState(let f, let e): return "the VM is \(f) but the operation needs it \(e)"
        case .failedToAcknowledgeShutdownRequest: return "the guest did not acknowledge the shutdown request"
        case .failedToAcknowledgeSuspendRequest: return "the guest did not acknowledge the suspend request"
        case .failedToShutdown(let vm, let t): return "VM \(vm) did not shut down within \(t) s"
        case .failedToSuspend(let vm, let t): return "VM \(vm) did not suspend within \(t) s"
        case .deviceIsConnected: return "the device is still plugged into a running domain"
        case .deviceNotConnected: return "the device is not plugged"
        case .deviceDetachRejected(let k, let i, let r): return "the guest refused to release \(k) \(i): \(r)"
        case .mediaNotEjectable: return "the media in this drive cannot be ejected"
        case .mediaPresent: return "the drive already holds media"
        case .mediaNotPresent: return "the drive holds no media"
        case .noBootableDevice: return "the VM has no bootable device"
        case .bootloaderError(let vm, let m): return "the bootloader failed for VM \(vm): \(m)"
        case .cannotFreeThisMuchMemory(let n, let f): return "cannot free \(n) bytes of memory (only \(f) bytes can be freed)"
        case .vmsFailedToCooperate(let vms): return "these VMs did not balloon down: \(vms.joined(separator: ", "))"
        case .ioError: return "an I/O error occurred"
        case .failedToContactRemoteService(let s): return "could not contact the remote service \(s)"
        case .hookFailed(let s, let r, _, let d): return "the hook script \(s) failed (\(r)): \(d)"
        case .notEnoughMemory(let n): return "the host does not have \(n) bytes of free memory for this domain"
        case .cancelled(let t): return "task \(t) was cancelled"
        case .storageBackendError(let c, let p): return "the storage backend failed: \(c) \(p.joined(separator: " "))"
        case .pciBackNotLoaded: return "the pciback driver is not loaded in dom0"
        case .failedToRunScript(let s): return "the script failed: \(s)"
        case .failedToStartEmulator(let vm, let n, let m): return "the emulator \(n) for VM \(vm) failed to start: \(m)"
        case .ballooningTimeoutBeforeMigration: return "ballooning down before migration timed out"
        case .internalError(let s): return "internal error: \(s)"
        case .unknownError: return "an unknown error was reported"
        }
    }

    /// One line saying what the operator can do about it.
    public var remedy: String {
        switch self {
        case .alreadyExists: return "Use a different id, or remove the existing object first."
        case .doesNotExist(let n, _) where n.lowercased() == "task": return "The task finished and was destroyed, or the daemon restarted; list tasks with 'xenopsctl task list'."
        case .doesNotExist: return "Check the id; 'xenopsctl vm list' shows the VMs this daemon knows."
        case .unimplemented: return "This operation is not available in this version; see Docs/api.md for what is implemented."
        case .badPowerState(_, let e): return "Bring the VM to \(e) first (e.g. shut it down or start it), then retry."
        case .failedToAcknowledgeShutdownRequest, .failedToShutdown: return "The guest may lack PV drivers or be hung; retry with a hard shutdown (omit the delay / --force)."
        case .failedToAcknowledgeSuspendRequest, .failedToSuspend: return "The guest may lack PV drivers or be hung; shut it down instead."
        case .deviceIsConnected: return "Unplug the device first, then remove it."
        case .deviceNotConnected: return "Plug the device first."
        case .mediaPresent: return "Eject the current media first."
        case .mediaNotPresent: return "Insert media first."
        case .notEnoughMemory, .cannotFreeThisMuchMemory: return "Free memory on the host (stop other VMs) or give the VM less memory."
        case .cancelled: return "The operation was cancelled on request; run it again if it is still wanted."
        case .invalidVcpus: return "Use a vCPU count between 1 and the VM's vcpu_max."
        case .internalError, .unknownError: return "This is a bug or an unexpected backend failure; check the daemon log for the cause."
        default: return "Check the daemon log for details."
        }
    }

    public var description: String { message }
}

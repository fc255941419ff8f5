import Testing
import XenopsCore

/// `Errors.error`: the whole catalog round-trips under its OCaml tags, with words for people.
@Suite("Codec: XenopsError")
struct CodecXenopsErrorTests {
    /// One value of every case, with the OCaml constructor it must be written as.
    static let catalog: [(error: XenopsError, tag: String)] = [
        (.alreadyExists(namespace: "VM", path: "\(CodecFixtures.vmUUID)/config"), "Already_exists"),
        (.doesNotExist(namespace: "task", path: "57"), "Does_not_exist"),
        (.unimplemented("VM.s3suspend"), "Unimplemented"),
        (.domainNotBuilt, "Domain_not_built"),
        (.invalidVcpus(65), "Invalid_vcpus"),
        (.badPowerState(found: .running, expected: .halted), "Bad_power_state"),
        (.failedToAcknowledgeShutdownRequest, "Failed_to_acknowledge_shutdown_request"),
        (.failedToAcknowledgeSuspendRequest, "Failed_to_acknowledge_suspend_request"),
        (.failedToShutdown(vm: CodecFixtures.vmUUID, timeout: 1200.5), "Failed_to_shutdown"),
        (.failedToSuspend(vm: CodecFixtures.vmUUID, timeout: 30), "Failed_to_suspend"),
        (.deviceIsConnected, "Device_is_connected"),
        (.deviceNotConnected, "Device_not_connected"),
        (.deviceDetachRejected(kind: "VBD", id: "xvdb", reason: "in use"), "Device_detach_rejected"),
        (.mediaNotEjectable, "Media_not_ejectable"),
        (.mediaPresent, "Media_present"),
        (.mediaNotPresent, "Media_not_present"),
        (.noBootableDevice, "No_bootable_device"),
        (.bootloaderError(vm: CodecFixtures.vmUUID, message: "Unknown_bootloader xenpvnetboot"), "Bootloader_error"),
        (.cannotFreeThisMuchMemory(needed: 4_294_967_296, free: 1_073_741_824), "Cannot_free_this_much_memory"),
        (.vmsFailedToCooperate(["a", "b"]), "Vms_failed_to_cooperate"),
        (.ioError, "IO_error"),
        (.failedToContactRemoteService("https://10.0.0.2/services/xenops"), "Failed_to_contact_remote_service"),
        (.hookFailed(script: "vm-pre-start", reason: "exit 2", stdout: "out", detail: "boom"), "Hook_failed"),
        (.notEnoughMemory(8_589_934_592), "Not_enough_memory"),
        (.cancelled(task: "57"), "Cancelled"),
        (.storageBackendError(code: "SR_BACKEND_FAILURE_46", params: ["", "The VDI is not available", ""]), "Storage_backend_error"),
        (.pciBackNotLoaded, "PCIBack_not_loaded"),
        (.failedToRunScript("exit 1"), "Failed_to_run_script"),
        (.failedToStartEmulator(vm: CodecFixtures.vmUUID, name: "qemu-dm", message: "Daemon exited unexpectedly"), "Failed_to_start_emulator"),
        (.ballooningTimeoutBeforeMigration, "Ballooning_timeout_before_migration"),
        (.internalError("Xenlight.Error(_)"), "Internal_error"),
        (.unknownError, "Unknown_error"),
    ]

    /// The position of a case in ``catalog``. The switch has no default, so adding a case
    /// to XenopsError does not compile until the catalog (and this test) covers it.
    static func caseIndex(_ error: XenopsError) -> Int {
        switch error {
        case .alreadyExists: return 0
        case .doesNotExist: return 1
        case .unimplemented: return 2
        case .domainNotBuilt: return 3
        case .invalidVcpus: return 4
        case .badPowerState: return 5
        case .failedToAcknowledgeShutdownRequest: return 6
        case .failedToAcknowledgeSuspendRequest: return 7
        case .failedToShutdown: return 8
        case .failedToSuspend: return 9
        case .deviceIsConnected: return 10
        case .deviceNotConnected: return 11
        case .deviceDetachRejected: return 12
        case .mediaNotEjectable: return 13
        case .mediaPresent: return 14
        case .mediaNotPresent: return 15
        case .noBootableDevice: return 16
        case .bootloaderError: return 17
        case .cannotFreeThisMuchMemory: return 18
        case .vmsFailedToCooperate: return 19
        case .ioError: return 20
        case .failedToContactRemoteService: return 21
        case .hookFailed: return 22
        case .notEnoughMemory: return 23
        case .cancelled: return 24
        case .storageBackendError: return 25
        case .pciBackNotLoaded: return 26
        case .failedToRunScript: return 27
        case .failedToStartEmulator: return 28
        case .ballooningTimeoutBeforeMigration: return 29
        case .internalError: return 30
        case .unknownError: return 31
        }
    }

    @Test("the catalog has one sample of every case")
    func catalogIsComplete() {
        #expect(Self.catalog.map { Self.caseIndex($0.error) } == Array(0..<32))
    }

    @Test("every case round-trips under its OCaml constructor name", arguments: catalog)
    func roundTrip(error: XenopsError, tag: String) throws {
        let encoded = error.xenops
        let writtenTag = encoded.stringValue ?? encoded.arrayElements?.first?.stringValue
        #expect(writtenTag == tag)
        #expect(try XenopsError(xenops: encoded) == error)
        #expect(try XenopsError(xenops: JSONValue.parse(encoded.jsonString)) == error)
        // Tags match whatever their case.
        let lowered: JSONValue
        switch encoded {
        case .string(let s): lowered = .string(s.lowercased())
        case .array(let elements): lowered = .array([.string(tag.uppercased())] + elements.dropFirst())
        default: lowered = encoded
        }
        #expect(try XenopsError(xenops: lowered) == error)
    }

    @Test("every case has a message and a remedy", arguments: catalog)
    func messageAndRemedy(error: XenopsError, tag: String) {
        #expect(!error.message.isEmpty)
        #expect(!error.remedy.isEmpty)
        #expect(error.description == error.message)
    }

    @Test("the argument shapes are the OCaml tuples")
    func argumentShapes() throws {
        func text(_ e: XenopsError) -> String { e.xenops.jsonString }
        #expect(text(.doesNotExist(namespace: "VM", path: "x/config")) == #"["Does_not_exist",["VM","x/config"]]"#)
        #expect(text(.invalidVcpus(3)) == #"["Invalid_vcpus",3]"#)
        #expect(text(.cannotFreeThisMuchMemory(needed: 2, free: 1)) == #"["Cannot_free_this_much_memory",[2,1]]"#)
        #expect(text(.vmsFailedToCooperate(["a"])) == #"["Vms_failed_to_cooperate",["a"]]"#)
        #expect(text(.notEnoughMemory(5)) == #"["Not_enough_memory",5]"#)
        #expect(text(.storageBackendError(code: "c", params: ["p"])) == #"["Storage_backend_error",["c",["p"]]]"#)
        #expect(text(.hookFailed(script: "a", reason: "b", stdout: "c", detail: "d")) == #"["Hook_failed",["a","b","c","d"]]"#)
        #expect(text(.cancelled(task: "57")) == #"["Cancelled","57"]"#)
    }
}

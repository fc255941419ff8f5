import CXenLight
import Glibc
import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

@Suite struct LibxlErrorTests {
    @Test func everyCodeHasLibxlsName() {
        for code in LibxlErrorCode.allCases {
            #expect(!code.libxlName.hasPrefix("UNKNOWN"), "libxl has no name for \(code)")
            #expect(!code.remedy.isEmpty)
        }
        #expect(LibxlErrorCode.fail.libxlName == "ERROR_FAIL")
        #expect(LibxlErrorCode.noParavirt.libxlName == "ERROR_NOPARAVIRT")
        #expect(LibxlErrorCode.domainNotFound.libxlName == "ERROR_DOMAIN_NOTFOUND")
        #expect(LibxlErrorCode.libxlName(rc: -999) == "UNKNOWN(-999)")
    }

    @Test func codesMatchTheHeader() {
        #expect(LibxlErrorCode.fail.rawValue == ERROR_FAIL.rawValue)
        #expect(LibxlErrorCode.noMemory.rawValue == ERROR_NOMEM.rawValue)
        #expect(LibxlErrorCode.noParavirt.rawValue == ERROR_NOPARAVIRT.rawValue)
        #expect(LibxlErrorCode.deviceExists.rawValue == ERROR_DEVICE_EXISTS.rawValue)
        #expect(LibxlErrorCode.aborted.rawValue == ERROR_ABORTED.rawValue)
        #expect(LibxlErrorCode.qemuAPI.rawValue == ERROR_QEMU_API.rawValue)
        #expect(LibxlErrorCode(rc: 0) == nil)
        #expect(LibxlErrorCode(rc: -33) == nil)
    }

    @Test func checkPassesZeroAndNamesTheFunction() throws {
        #expect(try LibxlError.check(0, "libxl_domain_pause") == 0)
        #expect(try LibxlError.checkNonNegative(5, "libxl_xen_console_read_line") == 5)
        LibxlError.clearThreadMessage()  // another test may have logged on this thread
        errno = ENOENT
        do {
            try LibxlError.check(ERROR_INVAL.rawValue, "libxl_domain_pause", context: "domain 7")
            Issue.record("check did not throw")
        } catch {
            #expect(error.function == "libxl_domain_pause")
            #expect(error.rc == -6 && error.name == "ERROR_INVAL" && error.code == .invalid)
            #expect(error.errno == ENOENT)
            #expect(error.detail == "domain 7")
            #expect(error.description.hasPrefix("libxl_domain_pause failed: ERROR_INVAL (rc -6), errno 2 (No such file or directory): domain 7."))
            #expect(error.description.hasSuffix(LibxlErrorCode.invalid.remedy))
        }
        #expect(throws: LibxlError.self) { try LibxlError.checkPointer(Optional<Int>.none, "libxl_list_domain") }
    }

    @Test func backendErrorsWithXenopsMeanings() {
        let nomem = LibxlError(function: "libxl_domain_create_new", rc: ERROR_NOMEM.rawValue)
        #expect(nomem.backendError(operation: "createDomain", neededBytes: 4096) == .xenops(.notEnoughMemory(4096)))
        let gone = LibxlError(function: "libxl_domain_pause", rc: ERROR_DOMAIN_NOTFOUND.rawValue)
        #expect(gone.backendError(operation: "pause", vm: "v") == .noDomain(vm: "v"))
        let aborted = LibxlError(function: "libxl_domain_suspend", rc: ERROR_ABORTED.rawValue)
        #expect(aborted.backendError(operation: "save") == .cancelled(operation: "save"))
    }

    @Test func otherCodesBecomeFailedNamingTheCall() {
        let e = LibxlError(function: "libxl_device_disk_add", rc: ERROR_FAIL.rawValue, errno: EIO, detail: "backend not ready")
        guard case .failed(let op, let code, let detail, let remedy) = e.backendError(operation: "plugVBD") else {
            Issue.record("expected .failed")
            return
        }
        #expect(op == "plugVBD (libxl_device_disk_add)")
        #expect(code == -3)
        #expect(detail == "libxl error ERROR_FAIL: backend not ready [errno 5]")
        #expect(remedy == LibxlErrorCode.fail.remedy)
        #expect(e.backendError(operation: "plugVBD").asXenopsError() == .internalError(e.backendError(operation: "plugVBD").description))
    }

    @Test func shutdownReasonsFromLibxl() {
        #expect(ShutdownReason(libxl: LIBXL_SHUTDOWN_REASON_POWEROFF.rawValue) == .poweroff)
        #expect(ShutdownReason(libxl: LIBXL_SHUTDOWN_REASON_REBOOT.rawValue) == .reboot)
        #expect(ShutdownReason(libxl: LIBXL_SHUTDOWN_REASON_SUSPEND.rawValue) == .suspend)
        #expect(ShutdownReason(libxl: LIBXL_SHUTDOWN_REASON_CRASH.rawValue) == .crash)
        #expect(ShutdownReason(libxl: LIBXL_SHUTDOWN_REASON_WATCHDOG.rawValue) == .watchdog)
        #expect(ShutdownReason(libxl: LIBXL_SHUTDOWN_REASON_SOFT_RESET.rawValue) == .softReset)
        #expect(ShutdownReason(libxl: 42) == .unknown)
    }

    @Test func uuidAndMACConversions() throws {
        let u = try #require(LibxlUUID.parse(Fixtures.uuid))
        #expect(LibxlUUID.string(u) == Fixtures.uuid)
        #expect(LibxlUUID.parse("nope") == nil)
        let mac = try #require(MACAddress("00:16:3E:0a:bb:FF"))
        #expect(mac.description == "00:16:3e:0a:bb:ff")
        #expect(MACAddress(libxl: mac.libxl) == mac)
        #expect(MACAddress("00:16:3e:0a:bb") == nil)
        #expect(MACAddress("00:16:3e:0a:bb:fff") == nil)
    }
}

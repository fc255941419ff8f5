import CXenLight
import Logging
import Testing
import XenGlue
@testable import XenopsLibxl

@Suite struct LibxlLoggerTests {
    @Test func messagesReachSwiftLogWithLevelAndDomain() {
        let capture = LogCapture()
        let logger = LibxlLogger(logger: capture.logger)
        let raw = UnsafeMutableRawPointer(logger.raw)
        xg_logger_emit(raw, Int32(XTL_ERROR.rawValue), 2, "libxl", "libxl_create.c:1234: Domain 7:cannot make domain")
        xg_logger_emit(raw, Int32(XTL_DEBUG.rawValue), -1, "xencall", "open")
        let entries = capture.entries.withLock { $0 }
        #expect(entries.count == 2)
        #expect(entries[0].level == .error)
        #expect(entries[0].message == "libxl_create.c:1234: Domain 7:cannot make domain (errno 2: No such file or directory)")
        #expect(entries[0].metadata["domid"] == "7")
        #expect(entries[0].metadata["libxl-context"] == "libxl")
        #expect(entries[1].level == .trace && entries[1].metadata["domid"] == nil)
    }

    /// A failed asynchronous operation is explained by the errors logged while it ran: those
    /// about its domain and, since libxc's do not name one, those about no domain.
    @Test func errorsSinceAMarkIncludeTheOnesNamingNoDomain() {
        let logger = LibxlLogger(logger: LogCapture().logger)
        let raw = UnsafeMutableRawPointer(logger.raw)
        let error = Int32(XTL_ERROR.rawValue)
        xg_logger_emit(raw, error, -1, "xc", "an old libxc error")
        xg_logger_emit(raw, error, -1, "libxl", "libxl_x.c:1: Domain 3:an old error about domain 3")
        let mark = logger.errorMark()
        xg_logger_emit(raw, error, 95, "xc", "Failed to enable logdirty")
        xg_logger_emit(raw, error, -1, "libxl", "libxl_x.c:2: Domain 4:about another domain")
        xg_logger_emit(raw, Int32(XTL_INFO.rawValue), -1, "xc", "not an error")
        xg_logger_emit(raw, error, -1, "libxl", "libxl_x.c:3: Domain 3:saving domain: did not respond")
        #expect(logger.recentErrors(domid: 3, since: mark) == [
            "Failed to enable logdirty (errno 95: Operation not supported)",
            "libxl_x.c:3: Domain 3:saving domain: did not respond",
        ])
        #expect(logger.recentErrors(domid: 3) == ["libxl_x.c:1: Domain 3:an old error about domain 3", "libxl_x.c:3: Domain 3:saving domain: did not respond"])
        #expect(logger.recentErrors(domid: 3, since: logger.errorMark()).isEmpty)
    }

    @Test func theLastErrorOfTheThreadFeedsTheChecker() {
        let capture = LogCapture()
        let logger = LibxlLogger(logger: capture.logger)
        LibxlError.clearThreadMessage()
        xg_logger_emit(UnsafeMutableRawPointer(logger.raw), Int32(XTL_ERROR.rawValue), -1, "libxl", "no such domain")
        xg_logger_emit(UnsafeMutableRawPointer(logger.raw), Int32(XTL_INFO.rawValue), -1, "libxl", "unrelated")
        do {
            try LibxlError.check(ERROR_FAIL.rawValue, "libxl_domain_info")
        } catch {
            #expect(error.detail == "no such domain")
        }
        #expect(String(cString: xg_last_error()) == "", "the checker clears the message it used")
        xg_logger_emit(UnsafeMutableRawPointer(logger.raw), Int32(XTL_ERROR.rawValue), 2, "libxl", "device model is not executable")
        xg_logger_emit(UnsafeMutableRawPointer(logger.raw), Int32(XTL_ERROR.rawValue), -1, "libxl", "device model did not start")
        do {
            try LibxlError.check(ERROR_FAIL.rawValue, "libxl_domain_create_new")
        } catch {
            #expect(error.detail == "device model is not executable (errno 2: No such file or directory); device model did not start")
        }
    }

    @Test func levelsBelowTheLoggersAreNotFormatted() {
        let capture = LogCapture()
        var quiet = capture.logger
        quiet.logLevel = .warning
        let logger = LibxlLogger(logger: quiet)
        xg_logger_emit(UnsafeMutableRawPointer(logger.raw), Int32(XTL_INFO.rawValue), -1, "libxl", "chatty")
        xg_logger_emit(UnsafeMutableRawPointer(logger.raw), Int32(XTL_WARN.rawValue), -1, "libxl", "careful")
        #expect(capture.messages == ["careful"])
    }

    @Test func levelMapping() {
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_DEBUG.rawValue)) == .trace)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_VERBOSE.rawValue)) == .trace)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_DETAIL.rawValue)) == .debug)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_PROGRESS.rawValue)) == .debug)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_INFO.rawValue)) == .info)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_NOTICE.rawValue)) == .notice)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_WARN.rawValue)) == .warning)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_ERROR.rawValue)) == .error)
        #expect(LibxlLogger.logLevel(xtl: Int32(XTL_CRITICAL.rawValue)) == .critical)
        #expect(LibxlLogger.domid(in: "x: Domain 12:y") == 12)
        #expect(LibxlLogger.domid(in: "Domain 12 is gone") == nil)
    }
}

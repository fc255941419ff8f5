import CXenLight
import Glibc
import Logging
import Synchronization
import XenGlue

/// Owns a xentoollog logger that forwards libxl's messages to swift-log.
///
/// The C side (XenGlue) formats libxl's `va_list`; this side maps the level and, when libxl
/// names a domain (`": Domain 7:"`), adds it as `domid` metadata, as libvirt routes per-domain
/// logs. Free it only after the libxl context that uses it.
final class LibxlLogger: @unchecked Sendable {  // @unchecked: immutable after init; the C logger is thread-safe (no state besides the sink)
    /// The `xentoollog_logger *` to give libxl.
    let raw: UnsafeMutablePointer<xentoollog_logger>
    private let sink: Unmanaged<LibxlLogSink>

    /// The recent libxl error messages about a domain, oldest first; with `since`, only those
    /// logged after that ``errorMark``, plus the ones naming no domain (libxc's, e.g. "Failed to
    /// enable logdirty", do not say which domain they are about).
    func recentErrors(domid: Int, since mark: UInt64? = nil) -> [String] {
        sink.takeUnretainedValue().recentErrors(domid: domid, since: mark)
    }

    /// A mark to pass to ``recentErrors(domid:since:)``: errors logged after now.
    func errorMark() -> UInt64 { sink.takeUnretainedValue().errorMark() }

    /// Creates a logger that forwards messages at or above the level `logger` lets through.
    init(logger: Logger) {
        let sink = Unmanaged.passRetained(LibxlLogSink(logger: logger))
        guard let p = xg_logger_new(libxlLogTrampoline, sink.toOpaque(), Int32(Self.xtlLevel(for: logger.logLevel).rawValue)) else {
            fatalError("out of memory creating the libxl logger")
        }
        self.sink = sink
        raw = p.assumingMemoryBound(to: xentoollog_logger.self)
    }

    deinit {
        xg_logger_destroy(raw)
        sink.release()
    }

    /// The lowest xentoollog level worth formatting for a swift-log level.
    static func xtlLevel(for level: Logger.Level) -> xentoollog_level {
        switch level {
        case .trace: return XTL_DEBUG
        case .debug: return XTL_DETAIL
        case .info: return XTL_INFO
        case .notice: return XTL_NOTICE
        case .warning: return XTL_WARN
        case .error: return XTL_ERROR
        case .critical: return XTL_CRITICAL
        }
    }

    /// The swift-log level of a xentoollog level (`XTL_DEBUG` = 1 … `XTL_CRITICAL` = 9).
    static func logLevel(xtl level: Int32) -> Logger.Level {
        switch UInt32(clamping: level) {
        case 0..<XTL_DETAIL.rawValue: return .trace
        case XTL_DETAIL.rawValue, XTL_PROGRESS.rawValue: return .debug
        case XTL_INFO.rawValue: return .info
        case XTL_NOTICE.rawValue: return .notice
        case XTL_WARN.rawValue: return .warning
        case XTL_ERROR.rawValue: return .error
        default: return .critical
        }
    }

    /// The domid libxl names in a message (`"libxl: …: Domain 7:…"`), if any.
    static func domid(in message: String) -> Int? {
        guard let r = message.range(of: "Domain ") else { return nil }
        let digits = message[r.upperBound...].prefix { $0.isNumber }
        guard !digits.isEmpty, message[r.upperBound...].dropFirst(digits.count).first == ":" else { return nil }
        return Int(digits)
    }
}

/// Where the trampoline delivers messages.
final class LibxlLogSink: Sendable {
    let logger: Logger
    /// The most recent error-level messages, with the domain they name and a sequence number,
    /// oldest first; `next` numbers the next one.
    private let errors = Mutex<(next: UInt64, kept: [(seq: UInt64, domid: Int?, message: String)])>((1, []))
    static let keptErrors = 64

    init(logger: Logger) { self.logger = logger }

    func log(level: Int32, errnoval: Int32, context: String?, message: String) {
        var metadata: Logger.Metadata = [:]
        if let context { metadata["libxl-context"] = "\(context)" }
        let domid = LibxlLogger.domid(in: message)
        if let domid { metadata["domid"] = "\(domid)" }
        var text = message
        if errnoval >= 0 { text += " (errno \(errnoval): \(String(cString: strerror(errnoval))))" }
        if level >= Int32(XTL_ERROR.rawValue) {
            errors.withLock { e in
                e.kept.append((e.next, domid, text))
                e.next += 1
                if e.kept.count > Self.keptErrors { e.kept.removeFirst(e.kept.count - Self.keptErrors) }
            }
        }
        logger.log(level: LibxlLogger.logLevel(xtl: level), "\(text)", metadata: metadata)
    }

    /// The recent error messages about `domid` (at most `limit`, oldest first); after `mark`,
    /// also those naming no domain.
    func recentErrors(domid: Int, since mark: UInt64? = nil, limit: Int = 6) -> [String] {
        errors.withLock { e in
            let wanted = e.kept.filter { entry in
                guard let mark else { return entry.domid == domid }
                return entry.seq > mark && (entry.domid == domid || entry.domid == nil)
            }
            return Array(wanted.suffix(limit).map(\.message))
        }
    }

    /// The sequence number of the latest error so far.
    func errorMark() -> UInt64 { errors.withLock { $0.next - 1 } }
}

/// The C sink the XenGlue logger calls, on whatever thread libxl logs from. A nonisolated
/// global function (never a closure formed in actor context: libxl calls it from its threads).
private func libxlLogTrampoline(
    _ user: UnsafeMutableRawPointer?, _ level: Int32, _ errnoval: Int32,
    _ context: UnsafePointer<CChar>?, _ message: UnsafePointer<CChar>?
) {
    guard let user, let message else { return }
    let sink = Unmanaged<LibxlLogSink>.fromOpaque(user).takeUnretainedValue()
    sink.log(level: level, errnoval: errnoval, context: context.map { String(cString: $0) }, message: String(cString: message))
}

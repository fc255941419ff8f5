import CXenLight
import Foundation
import Logging
import Synchronization

/// A `libxl_ctx *` that may cross threads: libxl documents the context as thread-safe.
struct LibxlContextPointer: @unchecked Sendable {  // @unchecked: libxl_ctx is thread-safe by libxl's contract (libxl.h)
    let raw: OpaquePointer
}

/// The process's libxl context: one `libxl_ctx`, shared by every thread, freed by ``close()``.
///
/// Initialisation follows libxl-notes §6.2: the logger (libxl's messages go to swift-log),
/// `libxl_ctx_alloc`, **at once** `libxl_childproc_setmode(selective_reap)` (libxl owns SIGCHLD
/// but reaps only its own children, so Foundation `Process` and swift-subprocess keep
/// working), `libxl_event_register_callbacks` for every event type, then the event thread.
/// The hook tables live on the heap until after `libxl_ctx_free`, as libxl requires.
///
/// Without Xen, ``init(logger:startEventLoop:)`` throws a ``LibxlError`` for
/// `libxl_ctx_alloc` that says so and what to do; nothing is left behind.
public final class LibxlContext: Sendable {
    let ctx: LibxlContextPointer
    let logger: Logger
    private let libxlLogger: LibxlLogger
    let sink: LibxlEventSink
    let loop: LibxlEventLoop
    private let hooks: HookTables
    private let closed = Atomic<Bool>(false)

    /// libxl's recent error messages about a domain (for failures reported on completion);
    /// with `since`, those logged after that ``errorMark()`` including ones naming no domain.
    func recentErrors(domid: UInt32, since mark: UInt64? = nil) -> [String] { libxlLogger.recentErrors(domid: Int(domid), since: mark) }

    /// A mark for ``recentErrors(domid:since:)``.
    func errorMark() -> UInt64 { libxlLogger.errorMark() }

    /// The `libxl_ctx *` for libxl calls.
    var raw: OpaquePointer { ctx.raw }

    /// libxl's events, in order. One consumer (``LibxlHypervisor``).
    var events: AsyncStream<LibxlEvent> { sink.stream }

    /// Allocates the context.
    ///
    /// - Parameters:
    ///   - logger: where libxl's own messages go (label them e.g. `xenopsd.libxl`).
    ///   - startEventLoop: start the event thread (tests of a mocked ctx may skip it).
    /// - Throws: ``LibxlError`` naming `libxl_ctx_alloc` when there is no usable Xen here.
    public init(logger: Logger, startEventLoop: Bool = true) throws(LibxlError) {
        self.logger = logger
        let libxlLogger = LibxlLogger(logger: logger)
        self.libxlLogger = libxlLogger

        var raw: OpaquePointer?
        LibxlError.clearThreadMessage()
        let rc = libxl_ctx_alloc(&raw, LIBXL_VERSION, 0, libxlLogger.raw)
        guard rc == 0, let raw else {
            let e = LibxlError.capture(rc: rc == 0 ? LibxlErrorCode.fail.rawValue : rc, function: "libxl_ctx_alloc", context: "")
            throw Self.explainAllocFailure(e)
        }
        let ctx = LibxlContextPointer(raw: raw)
        self.ctx = ctx
        let hooks = HookTables()
        self.hooks = hooks
        // Right after ctx_alloc, before anything can fork: libxl owns SIGCHLD, reaping selectively.
        libxl_childproc_setmode(raw, hooks.childproc, nil)

        let sink = LibxlEventSink(ctx: ctx)
        self.sink = sink
        hooks.events.pointee.event_occurs_mask = UInt64.max  // LIBXL_EVENTMASK_ALL (a cast macro Swift cannot import)
        hooks.events.pointee.event_occurs = libxlEventOccurs
        hooks.events.pointee.disaster = libxlEventDisaster
        libxl_event_register_callbacks(raw, hooks.events, Unmanaged.passUnretained(sink).toOpaque())

        let loop: LibxlEventLoop
        do throws(LibxlError) {
            loop = try LibxlEventLoop(ctx: ctx, logger: logger)
            if startEventLoop { try loop.start() }
        } catch {
            libxl_ctx_free(raw)
            sink.finish()
            throw error
        }
        self.loop = loop
        logger.debug("libxl context ready")
    }

    deinit { close() }

    /// Stops the event thread and frees the context. Idempotent. Call it only when no libxl
    /// call is in flight (asynchronous operations must have completed or been aborted).
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        loop.stop()
        libxl_ctx_free(ctx.raw)  // also disables every evgen still enabled
        sink.finish()
        logger.debug("libxl context freed")
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Adds what the operator needs to know to a `libxl_ctx_alloc` failure.
    static func explainAllocFailure(_ e: LibxlError) -> LibxlError {
        var e = e
        let fm = FileManager.default
        let privcmd = fm.fileExists(atPath: "/dev/xen/privcmd") || fm.fileExists(atPath: "/proc/xen/privcmd")
        let xenbus = fm.fileExists(atPath: "/dev/xen/xenbus") || fm.fileExists(atPath: "/run/xenstored/socket")
            || fm.fileExists(atPath: "/var/run/xenstored/socket")
        if !privcmd {
            e.detail = "this host is not running under Xen (no /dev/xen/privcmd or /proc/xen/privcmd)"
                + (e.detail.isEmpty ? "" : "; libxl said: \(e.detail)")
            e.remedy = "Run xenopsd in a Xen dom0 (boot the host with Xen and load xen-privcmd), or use --backend simulator."
        } else if !xenbus {
            e.detail = "xenstore is not reachable (no /dev/xen/xenbus and no xenstored socket)"
                + (e.detail.isEmpty ? "" : "; libxl said: \(e.detail)")
            e.remedy = "Start xenstored (systemctl start xenstored, or the xencommons service), then retry."
        } else if e.remedy == LibxlErrorCode.fail.remedy {
            e.remedy = "Check that this is dom0, that the daemon runs as root and that xenstored is running; the libxl messages in the log say more."
        }
        return e
    }
}

/// The hook tables libxl keeps pointers to: heap-allocated, freed after the context.
private final class HookTables: @unchecked Sendable {  // @unchecked: filled once before libxl sees them, then only libxl reads them
    let events: UnsafeMutablePointer<libxl_event_hooks>
    let childproc: UnsafeMutablePointer<libxl_childproc_hooks>

    init() {
        events = .allocate(capacity: 1)
        events.initialize(to: libxl_event_hooks())
        childproc = .allocate(capacity: 1)
        var c = libxl_childproc_hooks()
        c.chldowner = libxl_sigchld_owner_libxl_always_selective_reap
        childproc.initialize(to: c)
    }

    deinit {
        events.deallocate()
        childproc.deallocate()
    }
}

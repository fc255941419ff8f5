import CXenLight
import Foundation
import Logging
import Synchronization
import XenopsBackend
import XenopsCore

/// The ``XenopsBackend/Hypervisor`` that drives Xen through libxl.
///
/// One ``LibxlContext`` (one `libxl_ctx` for the process), a ``BlockingPool`` of dedicated
/// threads for every libxl and xenstore call, the context's event thread, and a task that
/// turns libxl events (shutdown, death, CD eject) into ``XenopsBackend/BackendEvent``s.
/// Domains are found by uuid (`libxl_list_domain`); the ones this daemon creates carry a
/// ``DomainRecord`` in libxl userdata, and only those are changed: others are only read.
///
/// Create it with ``open(logger:configuration:)``, which fails cleanly (a
/// ``XenopsBackend/BackendError`` naming `libxl_ctx_alloc`) on a host without Xen.
public final class LibxlHypervisor: Hypervisor {
    /// The libxl userdata id that marks our domains.
    public static let userdataID = "xenopsd-ng"
    /// ``XenopsBackend/DomainInfo/creator`` of our domains.
    public static let managedCreator = "xenopsd-ng"

    public let kind = "libxl"
    public let events: AsyncStream<BackendEvent>
    let continuation: AsyncStream<BackendEvent>.Continuation
    let context: LibxlContext
    let pool: BlockingPool
    let xenstore: Xenstore
    /// libxenctrl, for the CPU featuresets of `HOST.stat`.
    let xenctrl: XenCtrl
    let builder: DomainConfigBuilder
    let configuration: LibxlConfiguration
    let logger: Logger
    let state = Mutex(State())

    struct State {
        /// Records of our domains, by domid.
        var records: [UInt32: DomainRecord] = [:]
        /// Enabled event generators, by domid.
        var watches: [UInt32: DomainWatches] = [:]
        /// The VM of each watched domid: libxl's death event carries no uuid (the domain is gone).
        var watchedVMs: [UInt32: String] = [:]
        var eventTask: Task<Void, Never>?
        var closed = false
    }

    var ctx: LibxlContextPointer { context.ctx }

    /// Opens libxl, connects to xenstore, starts the event thread and adopts the running
    /// domains this daemon created (re-arming their death and CD-eject watches).
    ///
    /// - Throws: ``XenopsBackend/BackendError/failed(operation:code:detail:remedy:)`` naming
    ///   `libxl_ctx_alloc` (or `xs_open`) when Xen is not usable here; nothing is left behind.
    public static func open(logger: Logger, configuration: LibxlConfiguration = .init()) async throws -> LibxlHypervisor {
        let h: LibxlHypervisor
        do throws(LibxlError) { h = try LibxlHypervisor(logger: logger, configuration: configuration) } catch {
            throw error.backendError(operation: "open the libxl backend")
        }
        do { try await h.adoptDomains() } catch {
            await h.close()
            throw error
        }
        return h
    }

    init(logger: Logger, configuration: LibxlConfiguration) throws(LibxlError) {
        self.logger = logger
        self.configuration = configuration
        context = try LibxlContext(logger: logger)
        do { xenstore = try Xenstore() } catch {
            context.close()
            throw error
        }
        do { xenctrl = try XenCtrl(logger: logger) } catch {
            context.close()
            throw error
        }
        pool = BlockingPool(size: configuration.workerThreads, label: "libxl")
        builder = DomainConfigBuilder(logger: logger, vdiResolver: configuration.vdiResolver)
        (events, continuation) = AsyncStream.makeStream(of: BackendEvent.self, bufferingPolicy: .unbounded)
        let stream = context.events
        let task = Task.detached { [weak self] in
            for await event in stream {
                guard let self else { return }
                await self.handle(event)
            }
        }
        state.withLock { $0.eventTask = task }
    }

    deinit {
        continuation.finish()
    }

    /// Aborts asynchronous libxl operations, stops the worker threads and the event thread,
    /// frees the context and finishes ``events``. Idempotent.
    public func close() async {
        let task = state.withLock { s -> Task<Void, Never>? in
            guard !s.closed else { return nil }
            s.closed = true
            return s.eventTask
        }
        guard let task else { return }
        let deadline = ContinuousClock.now.advanced(by: configuration.closeTimeout)
        while AsyncOperations.shared.inFlight > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        pool.shutdown()
        xenctrl.close()
        context.close()
        await task.value
        continuation.finish()
    }

    // MARK: - Running libxl calls

    /// Runs a blocking call on the pool, converting a ``LibxlError`` into the operation's
    /// ``XenopsBackend/BackendError``.
    func call<T: Sendable>(_ operation: String, vm: String? = nil, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        do { return try await pool.run(operation, body) } catch let e as LibxlError {
            throw e.backendError(operation: operation, vm: vm)
        } catch let e as BlockingPool.ClosedError {
            throw BackendError.failed(operation: operation, code: Int(LibxlErrorCode.fail.rawValue), detail: e.description, remedy: "The backend is closing; retry after the daemon restarts.")
        }
    }

    /// Runs a libxl asynchronous operation (`ao_how` with a callback): `start` initiates it on
    /// a worker thread, completion comes from libxl's callback. Cancelling the task aborts it
    /// (`libxl_ao_abort`); it then fails with ``XenopsBackend/BackendError/cancelled(operation:)``.
    ///
    /// - Parameters:
    ///   - keepAlive: whatever libxl reads until completion (the config box).
    func runAsync(
        _ operation: String, function: String, vm: String, keepAlive: some Sendable, neededBytes: Int64 = 0,
        domid: @escaping @Sendable () -> UInt32? = { nil },
        _ start: @escaping @Sendable (UnsafePointer<libxl_asyncop_how>) -> Int32
    ) async throws {
        let registry = AsyncOperations.shared
        let errorMark = context.errorMark()
        let token = registry.reserve(function, keepAlive: keepAlive)
        let ctx = self.ctx
        let submitted = pool.submit(function) {
            if registry.isCancelled(token) {
                registry.complete(token, .failure(LibxlError(function: function, rc: LibxlErrorCode.aborted.rawValue, detail: "cancelled before it started")))
                return
            }
            LibxlError.clearThreadMessage()
            var how = AsyncOperations.how(token)
            let rc = start(&how)
            if rc != 0 { registry.complete(token, .failure(LibxlError.capture(rc: rc, function: function, context: ""))) }
        }
        if !submitted {
            registry.complete(token, .failure(LibxlError(function: function, rc: LibxlErrorCode.fail.rawValue, detail: "the backend is closed")))
        }
        let result = await withTaskCancellationHandler {
            await registry.wait(token)
        } onCancel: {
            if registry.markCancelled(token) {
                var how = AsyncOperations.how(token)
                _ = libxl_ao_abort(ctx.raw, &how)
            }
        }
        if case .failure(var e) = result {
            // libxl may have logged the cause on another thread (or its save helper did): use the
            // errors logged during the operation about the domain or about no domain in particular.
            // Even when the completing thread had a message of its own, libxc's (the actual
            // cause, e.g. "Failed to enable logdirty") came from elsewhere: put them first.
            if let id = domid(), id != CXL_INVALID_DOMID {
                e.detail = Self.explain(e.detail, with: context.recentErrors(domid: id, since: errorMark))
            }
            throw e.backendError(operation: operation, vm: vm, neededBytes: neededBytes)
        }
    }
}

extension LibxlHypervisor {
    /// `detail` (libxl's message on the completing thread, or ``AsyncOperations/noMessage``)
    /// with the operation's other logged errors in front, each once.
    static func explain(_ detail: String, with logged: [String]) -> String {
        let others = logged.filter { !detail.contains($0) && !$0.contains(detail) }
        if detail == AsyncOperations.noMessage { return logged.isEmpty ? detail : logged.joined(separator: "; ") }
        return (others + [detail]).joined(separator: "; ")
    }
}

/// The event generators enabled for one domain. libxl frees them on disable (or ctx free).
struct DomainWatches: @unchecked Sendable {  // @unchecked: evgen handles are only passed back to libxl, under the hypervisor's lock
    var death: OpaquePointer?
    /// CD drive vdev → its eject generator.
    var ejects: [String: OpaquePointer] = [:]
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSocketGlue
import Foundation
import XenopsBackend
import Logging
import Synchronization
import XenopsCore
import XenopsEngine

/// The socket XAPI hands migration connections to (`<sockets-path>/xenopsd.forwarded`, as
/// xenopsd's `forwarded_path`).
///
/// XAPI accepts `PUT`/`GET /services/xenops/…` on its own port, connects here and sends the
/// JSON of the `Http.Request.t` with the client's socket attached (SCM_RIGHTS, one
/// `sendmsg`). The request's path picks the handler: the migration control connection
/// (`migrate/vm/<id>`, legacy `memory/<id>`) or memory connection (`migrate/mem/<id>`) of
/// ``MigrationReceiver``; anything else is answered `404`. The connection to XAPI stays open
/// until the handler is done, then both are closed, as xenopsd does.
///
/// Accepting and receiving run on threads of their own (blocking `poll`/`accept`/`recvmsg`),
/// never on an event loop or the cooperative pool; every descriptor is close-on-exec.
public final class ForwardedSocketServer: Sendable {
    public let path: String
    private let receiver: MigrationReceiver
    private let logger: Logger
    private let maxConnections: Int
    /// The largest request JSON accepted (XAPI's are a few hundred bytes; xenopsd reads 16 KiB).
    static let maxRequestBytes = 64 << 10

    private struct State {
        var listener: Int32?
        var identity: UnixSocketFile.Identity?
        var acceptThreadRunning = false
        var connections = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let stopFlag = BlockingThread.CancelFlag()

    /// - Parameters:
    ///   - path: The socket file, e.g. `/var/lib/xcp/xenopsd.forwarded`.
    ///   - maxConnections: Connections served at once; more are closed at once (logged).
    public init(path: String, receiver: MigrationReceiver, logger: Logger = Logger(label: "xenopsd.forwarded"), maxConnections: Int = 64) {
        self.path = path
        self.receiver = receiver
        self.logger = logger
        self.maxConnections = max(1, maxConnections)
    }

    /// Binds the socket (mode 0600, replacing a stale file, refusing one another process
    /// serves) and starts accepting.
    /// - Throws: ``ServerError`` saying what failed and what to do.
    public func start() throws(ServerError) {
        guard state.withLock({ $0.listener == nil && !$0.stopped }) else { return }
        try UnixSocketFile.prepare(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw ServerError(.bindFailed, reason: "cannot create the forwarded socket: \(BlockingDescriptorIO.errnoText())", remedy: "Check the process's descriptor limit.")
        }
        // `prepare` checked that the path fits, so the address is always made.
        let bound = UnixSocketFile.withAddress(path) { bind(fd, $0, $1) } ?? -1
        guard bound == 0, listen(fd, 64) == 0 else {
            let why = BlockingDescriptorIO.errnoText()
            closeDescriptor(fd)
            throw ServerError(.bindFailed, reason: "cannot listen on \(path): \(why)", remedy: "Check that the directory is writable, or pass another --sockets-path.")
        }
        do { try UnixSocketFile.restrict(path) } catch {
            closeDescriptor(fd)
            unlink(path)
            throw error
        }
        let identity = UnixSocketFile.identity(path)
        state.withLock { s in
            s.listener = fd
            s.identity = identity
            s.acceptThreadRunning = true
        }
        Thread.detachNewThread { [self] in acceptLoop(fd) }
        logger.info("listening for forwarded connections on \(path)")
    }

    /// Stops accepting and removes the socket file. Connections already handed over finish
    /// with their migration (the engine cancels unfinished receives when it closes).
    public func shutdown() async {
        let identity = state.withLock { s -> UnixSocketFile.Identity? in
            defer { s.stopped = true }
            return s.stopped ? nil : s.identity
        }
        stopFlag.cancel()
        while state.withLock({ $0.acceptThreadRunning }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        UnixSocketFile.remove(path, ifStill: identity)
        if identity != nil { logger.info("stopped listening on \(path)") }
    }

    /// Connections being served now (for tests and diagnostics).
    public var connectionCount: Int { state.withLock { $0.connections } }

    private func acceptLoop(_ listener: Int32) {
        defer {
            closeDescriptor(listener)
            state.withLock { s in
                s.listener = nil
                s.acceptThreadRunning = false
            }
        }
        while true {
            do {
                guard try BlockingDescriptorIO.wait(listener, for: POLLIN, flag: stopFlag) != nil else { continue }
            } catch {
                if !(error is CancellationError) { logger.error("the forwarded socket failed: \(error); no more connections are accepted") }
                return
            }
            let fd = xenops_accept_cloexec(listener)
            if fd < 0 {
                if errno != EINTR, errno != EAGAIN, errno != ECONNABORTED {
                    logger.warning("accept on the forwarded socket failed: \(BlockingDescriptorIO.errnoText())")
                }
                continue
            }
            let admitted = state.withLock { s -> Bool in
                guard s.connections < maxConnections else { return false }
                s.connections += 1
                return true
            }
            guard admitted else {
                logger.warning("refused a forwarded connection: \(maxConnections) are being served already")
                closeDescriptor(fd)
                continue
            }
            Task { [self] in
                await serve(DescriptorStream(taking: fd))
                state.withLock { $0.connections -= 1 }
            }
        }
    }

    /// Receives XAPI's request and the handed-over descriptor, and routes it.
    private func serve(_ connection: DescriptorStream) async {
        defer { connection.close() }
        let handedOver: DescriptorStream
        let request: ForwardedRequest
        do {
            (request, handedOver) = try await receiveRequest(on: connection.descriptor)
        } catch {
            logger.warning("dropped a forwarded connection: \(error)")
            return
        }
        defer { handedOver.close() }
        logger.debug("forwarded request for \(request.path)", metadata: ["dbg": .string(request.cookie.first { $0.name == "dbg" }?.value ?? "")])
        switch request.route {
        case .receiveVM(let id), .receiveVMLegacy(let id):
            let migration: MigrationReceiveRequest
            do { migration = try MigrationReceiveRequest(vmID: id, cookies: request.cookies) } catch {
                try? await handedOver.send(error)
                return
            }
            // Both paths decide where the memory comes from by the mem_migration cookie, as xenopsd.
            await receiver.receive(migration, control: handedOver)
        case .receiveMemory(let id):
            await receiver.acceptMemory(vmID: id, stream: handedOver)
        case .receiveVGPU(let id):
            logger.warning("vGPU migration connection for \(id) refused: vGPUs are not supported")
            try? await handedOver.send(.unimplemented("vGPU migration (\(request.path))"))
        case .notFound:
            logger.warning("forwarded request for an unknown path \(request.path): answered 404")
            let response = Array("HTTP/1.1 404 Not Found\r\nUser-agent: xenopsd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
            // To the client, and to XAPI, which reads a response on its connection to us.
            try? await handedOver.write(response)
            try? await connection.write(response)
        }
    }

    /// The request JSON and the descriptor sent with it. The JSON normally arrives with the
    /// descriptor in one `recvmsg`; a request split across reads is completed within 5 s.
    private func receiveRequest(on fd: Int32) async throws -> (ForwardedRequest, DescriptorStream) {
        let limit = Self.maxRequestBytes
        let first = try await BlockingThread.run { flag in
            guard try BlockingDescriptorIO.wait(fd, for: POLLIN, flag: flag, deadline: .now + .seconds(30)) != nil else {
                throw DescriptorIOError("XAPI sent nothing within 30 s")
            }
            return try BlockingDescriptorIO.receiveWithDescriptors(fd, maxBytes: limit)
        }
        guard let descriptor = first.descriptors.first else {
            throw DescriptorIOError(first.bytes.isEmpty ? "the peer closed the connection without sending anything" : "no descriptor came with the request (\(first.bytes.count) bytes)")
        }
        let handedOver = DescriptorStream(taking: descriptor)
        for extra in first.descriptors.dropFirst() { closeDescriptor(extra) }
        if first.truncatedControl { logger.warning("a forwarded request carried more descriptors than expected; the extra ones were closed") }
        var bytes = first.bytes
        do {
            while true {
                let parsed: Result<ForwardedRequest, ForwardedRequestError>
                do { parsed = .success(try ForwardedRequest(json: bytes)) } catch { parsed = .failure(error) }
                if case .failure(.truncated) = parsed {
                    bytes += try await readMore(fd, after: bytes.count, limit: limit)
                    continue
                }
                return (try parsed.get(), handedOver)
            }
        } catch {
            handedOver.close()
            throw error
        }
    }

    /// The rest of a request that did not come in one read (bounded in size and time).
    private func readMore(_ fd: Int32, after received: Int, limit: Int) async throws -> [UInt8] {
        guard received < limit else { throw ForwardedRequestError.invalid("it is longer than \(limit) bytes") }
        let more = try await BlockingThread.run { flag -> [UInt8] in
            guard try BlockingDescriptorIO.wait(fd, for: POLLIN, flag: flag, deadline: .now + .seconds(5)) != nil else {
                throw ForwardedRequestError.invalid("it ended after \(received) bytes and nothing more came within 5 s")
            }
            let next = try BlockingDescriptorIO.receiveWithDescriptors(fd, maxBytes: limit - received)
            for stray in next.descriptors { closeDescriptor(stray) }
            return next.bytes
        }
        guard !more.isEmpty else { throw ForwardedRequestError.invalid("it ended after \(received) bytes") }
        return more
    }
}

extension MigrationStream {
    /// Sends `error` as a handshake error frame.
    fileprivate func send(_ error: XenopsError) async throws {
        try await write(MigrationHandshake.failure(error).encoded)
    }
}

import Glibc

/// One keep-alive HTTP/1.1 connection to the daemon's Unix socket.
///
/// It connects lazily, sends a request and reads exactly one response. When the server has
/// closed an idle keep-alive connection, the request is sent once more on a new connection
/// (only if no byte of a response had arrived, so the server never saw it). Not thread-safe:
/// ``ConnectionSlot`` runs it on one serial queue at a time.
final class HTTPConnection {
    let socketPath: String
    let connectTimeout: Duration
    let limits: HTTPResponseParser.Limits
    let control: AbortControl
    private var socket: UnixSocket?

    init(socketPath: String, connectTimeout: Duration, limits: HTTPResponseParser.Limits = .init(), control: AbortControl) {
        self.socketPath = socketPath
        self.connectTimeout = connectTimeout
        self.limits = limits
        self.control = control
    }

    deinit { drop() }

    /// Whether a socket is open (for tests).
    var isConnected: Bool { socket != nil }

    /// Sends `request` and returns the response, reconnecting once if the idle connection went stale.
    func roundTrip(_ request: [UInt8], deadline: ContinuousClock.Instant?) throws(TransportError) -> HTTPResponse {
        if control.isAborted { throw .socket(.aborted) }
        if let s = socket, s.isStale { drop() }
        let reused = socket != nil
        do {
            return try exchange(request, deadline: deadline)
        } catch {
            drop()
            guard reused, error.isStaleConnectionSignal else { throw error }
        }
        do {
            return try exchange(request, deadline: deadline)
        } catch {
            drop()
            throw error
        }
    }

    /// Closes the socket, if any.
    func drop() {
        if let s = socket {
            control.close(s)
            socket = nil
        }
    }

    private func connect() throws(TransportError) -> UnixSocket {
        let s: UnixSocket
        do { s = try UnixSocket.connect(path: socketPath, timeout: connectTimeout) } catch { throw .socket(error) }
        guard control.attach(s.fd) else {
            control.close(s)
            throw .socket(.aborted)
        }
        return s
    }

    private func exchange(_ request: [UInt8], deadline: ContinuousClock.Instant?) throws(TransportError) -> HTTPResponse {
        let s: UnixSocket
        if let existing = socket { s = existing } else {
            s = try connect()
            socket = s
        }
        var parser = HTTPResponseParser(limits: limits)
        do { try s.writeAll(request, deadline: deadline) } catch { throw failure(error, parser) }
        while true {
            let bytes: [UInt8]
            do { bytes = try s.read(deadline: deadline) } catch { throw failure(error, parser) }
            if control.isAborted { throw .socket(.aborted) }
            if bytes.isEmpty {
                let response: HTTPResponse?
                do { response = try parser.finish() } catch { throw .http(error) }
                guard let response else { throw .socket(.closed) }
                drop()
                return response
            }
            parser.feed(bytes)
            let response: HTTPResponse?
            do { response = try parser.next() } catch { throw .http(error) }
            if let response {
                // Bytes beyond the response would belong to no request: do not reuse the connection.
                if !response.keepAlive || parser.hasPartialResponse { drop() }
                return response
            }
        }
    }

    private func failure(_ error: SocketError, _ parser: HTTPResponseParser) -> TransportError {
        if control.isAborted { return .socket(.aborted) }
        // A reset after part of a response arrived is not a stale connection: the server saw the request.
        if parser.hasPartialResponse, error == .closed || error == .io(errno: ECONNRESET) { return .http(.truncated) }
        return .socket(error)
    }
}

import Glibc

/// A failure below JSON-RPC: the socket or the HTTP framing.
enum TransportError: Error, Sendable, Equatable {
    case socket(SocketError)
    case http(HTTPParseError)

    /// Whether this is how a keep-alive connection that the server closed while idle
    /// fails on its next use: the write is refused or the read sees the end of the stream
    /// before any byte of the response. Such a request never reached the server and is
    /// safe to send again on a new connection.
    var isStaleConnectionSignal: Bool {
        switch self {
        case .socket(.closed): return true
        case .socket(.io(let code)): return code == EPIPE || code == ECONNRESET
        default: return false
        }
    }
}

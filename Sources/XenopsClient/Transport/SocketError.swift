import Glibc

/// A failure of the socket layer, before any HTTP or JSON-RPC meaning is given to it.
enum SocketError: Error, Sendable, Equatable {
    /// `connect(2)` failed with this errno (ENOENT: no socket file; ECONNREFUSED: nobody listening).
    case connect(path: String, errno: Int32)
    /// The path does not fit in `sockaddr_un.sun_path`.
    case pathTooLong(String)
    /// `socket(2)` failed.
    case create(errno: Int32)
    /// A read or write failed with this errno (EPIPE, ECONNRESET, …).
    case io(errno: Int32)
    /// The peer closed the connection.
    case closed
    /// The deadline passed while waiting for the peer.
    case timedOut
    /// The call was abandoned because its task was cancelled.
    case aborted

    /// `strerror(3)` text for an errno.
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

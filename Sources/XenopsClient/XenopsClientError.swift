import Glibc
import XenopsCore

/// Why a call through ``XenopsClient`` failed, with words for an operator: ``message`` says
/// what went wrong and ``remedy`` what to do about it.
public enum XenopsClientError: Error, Sendable, Hashable {
    /// Nothing listens on the socket (`ENOENT`: no socket file; `ECONNREFUSED`: a stale file).
    case daemonNotRunning(socket: String)
    /// The socket exists but this user may not connect to it (it is mode 0600, owned by root).
    case permissionDenied(socket: String)
    /// Any other failure to connect: the path is too long, not a socket, …
    case connectionFailed(socket: String, reason: String)
    /// The daemon answered with a xenops error (from the RPC reply or a failed task).
    case xenops(XenopsError)
    /// The daemon's reply was not the HTTP/JSON-RPC the client expects.
    case `protocol`(String)
    /// No answer in time; the text says what was being waited for.
    case timeout(String)
    /// The calling task was cancelled before the reply arrived.
    case cancelled

    /// What failed, in words.
    public var message: String {
        switch self {
        case .daemonNotRunning(let socket): return "xenopsd is not running (nothing is listening on \(socket))"
        case .permissionDenied(let socket): return "permission denied connecting to \(socket)"
        case .connectionFailed(let socket, let reason): return "cannot connect to \(socket): \(reason)"
        case .xenops(let error): return error.message
        case .protocol(let detail): return "unexpected reply from xenopsd: \(detail)"
        case .timeout(let what): return "timed out \(what)"
        case .cancelled: return "the call was cancelled before xenopsd replied"
        }
    }

    /// One line saying what to do about it.
    public var remedy: String {
        switch self {
        case .daemonNotRunning:
            return "Start it (`systemctl start xenopsd-ng`, or run `xenopsd` by hand; see Docs/operations.md), or pass --socket PATH (or set XENOPSD_SOCKET) if it listens elsewhere."
        case .permissionDenied:
            return "The socket is only open to its owner: run as root (e.g. with sudo), or as the user that runs xenopsd."
        case .connectionFailed:
            return "Check the --socket path (or XENOPSD_SOCKET): it must name the Unix socket xenopsd listens on."
        case .xenops(let error): return error.remedy
        case .protocol:
            return "Check that --socket names a xenopsd socket and that xenopsctl and xenopsd are the same version."
        case .timeout:
            return "The daemon may be overloaded or stuck; check its log, and retry (the operation may still complete)."
        case .cancelled:
            return "The operation may still complete in the daemon; check with 'xenopsctl task list'."
        }
    }

    /// The xenops error, if the daemon reported one.
    public var xenopsError: XenopsError? {
        if case .xenops(let e) = self { return e }
        return nil
    }

    static func from(_ error: TransportError, socket: String, waitingFor what: String) -> XenopsClientError {
        switch error {
        case .socket(.connect(_, let code)):
            switch code {
            case ENOENT, ECONNREFUSED: return .daemonNotRunning(socket: socket)
            case EACCES, EPERM: return .permissionDenied(socket: socket)
            default: return .connectionFailed(socket: socket, reason: SocketError.describe(code))
            }
        case .socket(.pathTooLong(let path)):
            return .connectionFailed(socket: socket, reason: "the path is \(path.utf8.count) bytes long; Unix socket paths are limited to 107")
        case .socket(.create(let code)):
            return .connectionFailed(socket: socket, reason: "socket(2) failed: \(SocketError.describe(code))")
        case .socket(.io(let code)):
            return .protocol("the connection failed \(what): \(SocketError.describe(code))")
        case .socket(.closed):
            return .protocol("the daemon closed the connection \(what) without replying")
        case .socket(.timedOut):
            return .timeout(what)
        case .socket(.aborted):
            return .cancelled
        case .http(let e):
            return .protocol(e.description)
        }
    }
}

extension XenopsClientError: CustomStringConvertible {
    /// The ``message``.
    public var description: String { message }
}

/// Why the RPC listener could not start, with what to do about it.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    /// The class of failure, for callers that pick an exit code or a test that checks it.
    public enum Code: String, Sendable {
        /// The socket's directory cannot be created or written.
        case socketDirectoryNotWritable = "socket_directory_not_writable"
        /// Another process accepts connections on the socket path.
        case socketInUse = "socket_in_use"
        /// The path is too long for a Unix socket, or names something that is not a socket.
        case invalidSocketPath = "invalid_socket_path"
        /// Binding or listening failed for another reason.
        case bindFailed = "bind_failed"
    }

    public var code: Code
    /// What failed, one line.
    public var reason: String
    /// What to do, one line.
    public var remedy: String

    public init(_ code: Code, reason: String, remedy: String) {
        self.code = code
        self.reason = reason
        self.remedy = remedy
    }

    public var description: String { "\(reason)\n\(remedy)" }
}

/// A reason the daemon cannot start: one line saying what failed, one saying what to do, and
/// the exit code that tells scripts and systemd which kind of failure it was.
struct StartupError: Error, CustomStringConvertible {
    /// Exit codes, as listed in Docs/operations.md.
    enum ExitStatus: Int32 {
        /// The engine could not start (e.g. the backend failed while adopting domains).
        case failure = 1
        /// The configuration is wrong: a bad config file or option, or a backend not built.
        case configuration = 2
        /// The socket cannot be served: its directory is not writable or another daemon uses it.
        case socket = 3
        /// The state store cannot be opened.
        case store = 4
    }

    var status: ExitStatus
    var reason: String
    var remedy: String

    init(_ status: ExitStatus, _ reason: String, remedy: String) {
        self.status = status
        self.reason = reason
        self.remedy = remedy
    }

    var description: String { "xenopsd: \(reason)\n\(remedy)" }
}

import XenopsClient
import XenopsCore

/// The process exit status of `xenopsctl`.
enum ExitStatus: Int32 {
    case ok = 0
    /// The operation failed (the daemon reported a xenops error).
    case failed = 1
    /// The command line or an input file is wrong.
    case usage = 2
    /// The daemon could not be reached.
    case unreachable = 3
    /// No answer in time.
    case timeout = 4
}

/// A failure to report: what went wrong, what to do, and the exit status.
struct CLIError: Error {
    var message: String
    var hint: String?
    var status: ExitStatus

    init(_ message: String, hint: String? = nil, status: ExitStatus) {
        self.message = message
        self.hint = hint
        self.status = status
    }

    /// The report for a client error.
    init(_ error: XenopsClientError) {
        let status: ExitStatus
        switch error {
        case .daemonNotRunning, .permissionDenied, .connectionFailed: status = .unreachable
        case .timeout: status = .timeout
        case .xenops, .protocol, .cancelled: status = .failed
        }
        self.init(error.message, hint: error.remedy, status: status)
    }

    /// A usage error about an input.
    static func usage(_ message: String, hint: String? = nil) -> CLIError {
        CLIError(message, hint: hint, status: .usage)
    }

    /// The text for stderr: `error: …` then `hint: …`.
    var rendered: String {
        var text = "error: \(message)\n"
        if let hint { text += "hint: \(hint)\n" }
        return text
    }
}

import ArgumentParser
import Glibc
import XenopsClient

/// Options every command takes. They may also be given before the command
/// (`xenopsctl --json vm list`): ``hoist(_:)`` moves them after it.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's Unix socket (env: XENOPSD_SOCKET).", valueName: "path"))
    var socket: String = GlobalOptions.defaultSocket

    @Flag(name: .long, help: "Print machine-readable JSON (the xenops encodings) on stdout.")
    var json = false

    @Option(name: .customLong("debug-info"), help: ArgumentHelp("The debug_info sent with each call (default: \"xenopsctl <command>\").", valueName: "text"))
    var debugInfo: String?

    /// XENOPSD_SOCKET, or the default path.
    static var defaultSocket: String {
        if let value = getenv("XENOPSD_SOCKET"), let text = String(validatingCString: value), !text.isEmpty { return text }
        return XenopsClient.defaultSocketPath
    }

    /// `XENOPSCTL_TIMEOUT`: seconds after which any call or task wait gives up (exit 4).
    static var timeout: Duration? {
        guard let value = getenv("XENOPSCTL_TIMEOUT"), let text = String(validatingCString: value),
              let seconds = Double(text), seconds > 0 else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// A context for running `command` (e.g. `"vm start"`).
    func context(_ command: String) -> CommandContext {
        var configuration = XenopsClient.Configuration()
        configuration.userAgent = "xenopsctl"
        let timeout = Self.timeout
        if let timeout { configuration.requestTimeout = timeout }
        let client = XenopsClient(socketPath: socket, debugInfo: debugInfo ?? "xenopsctl \(command)", configuration: configuration)
        return CommandContext(client: client, json: json, command: command, waitTimeout: timeout)
    }

    /// Moves the global options to the end of the command line (before any `--`), so that
    /// they parse wherever they are written: `xenopsctl --json vm list`, `xenopsctl vm --json list`.
    static func hoist(_ arguments: [String]) -> [String] {
        var globals: [String] = []
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            let arg = arguments[index]
            if arg == "--" {
                rest.append(contentsOf: arguments[index...])
                break
            }
            if arg == "--json" || arg.hasPrefix("--socket=") || arg.hasPrefix("--debug-info=") {
                globals.append(arg)
                index += 1
            } else if (arg == "--socket" || arg == "--debug-info") && index + 1 < arguments.count {
                globals.append(contentsOf: [arg, arguments[index + 1]])
                index += 2
            } else {
                rest.append(arg)
                index += 1
            }
        }
        guard !globals.isEmpty else { return arguments }
        if let terminator = rest.firstIndex(of: "--") {
            rest.insert(contentsOf: globals, at: terminator)
        } else {
            rest.append(contentsOf: globals)
        }
        return rest
    }
}

/// `--no-wait`, for commands that start a task.
struct WaitOptions: ParsableArguments {
    @Flag(name: .customLong("no-wait"), help: "Print the task id(s) and return at once instead of waiting.")
    var noWait = false
}

import XenopsClient
import XenopsCore

/// What a command runs with: the client, the output mode and the command's name.
struct CommandContext: Sendable {
    let client: XenopsClient
    /// `--json`: machine-readable output on stdout, no progress bar.
    let json: Bool
    /// The command path, e.g. `"vm start"`.
    let command: String
    /// How long to wait for each task (`XENOPSCTL_TIMEOUT`); nil waits as long as it takes.
    let waitTimeout: Duration?

    /// Whether to draw progress on stderr: a terminal, and not `--json`.
    var showsProgress: Bool { !json && Console.isTerminal(2) }

    /// Prints a line for people (nothing in `--json` mode).
    func say(_ text: String) {
        if !json { Console.out(text) }
    }

    /// Prints a JSON value (in `--json` mode only).
    func emit(_ value: JSONValue) {
        if json { Console.out(JSONPrinter.pretty(value)) }
    }
}

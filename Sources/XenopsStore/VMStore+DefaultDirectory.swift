internal import Foundation

extension VMStore {
    /// The file name of the store inside its state directory.
    public static let defaultFileName = "state.db"

    /// The state directory the daemon uses when `--state-dir` is not given.
    ///
    /// - `/var/lib/xenopsd-ng` when running as root (the system daemon);
    /// - otherwise `$XDG_STATE_HOME/xenopsd-ng` when `XDG_STATE_HOME` is set to an absolute
    ///   path (the XDG Base Directory rule: a relative value is ignored);
    /// - otherwise `$HOME/.local/state/xenopsd-ng`;
    /// - with no usable `HOME`, `.local/state/xenopsd-ng` under the user's home directory
    ///   from the password database.
    ///
    /// The function only computes the path; ``init(path:)`` creates the directory.
    /// - Parameters:
    ///   - isRoot: Whether the daemon runs with effective uid 0.
    ///   - environment: The process environment (`ProcessInfo.processInfo.environment`).
    /// - Returns: An absolute directory path, without a trailing slash.
    public static func defaultDirectory(isRoot: Bool, environment: [String: String]) -> String {
        if isRoot { return "/var/lib/xenopsd-ng" }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return joined(state, "xenopsd-ng")
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return joined(home, ".local/state/xenopsd-ng")
        }
        return joined(FileManager.default.homeDirectoryForCurrentUser.path, ".local/state/xenopsd-ng")
    }

    /// The default database file: ``defaultDirectory(isRoot:environment:)`` followed by
    /// ``defaultFileName``.
    /// - Parameters:
    ///   - isRoot: Whether the daemon runs with effective uid 0.
    ///   - environment: The process environment.
    /// - Returns: An absolute file path.
    public static func defaultPath(isRoot: Bool, environment: [String: String]) -> String {
        joined(defaultDirectory(isRoot: isRoot, environment: environment), defaultFileName)
    }

    private static func joined(_ directory: String, _ component: String) -> String {
        var base = Substring(directory)
        while base.count > 1, base.hasSuffix("/") { base = base.dropLast() }
        return base == "/" ? "/\(component)" : "\(base)/\(component)"
    }
}

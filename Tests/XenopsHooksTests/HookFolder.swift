import Foundation
import XenopsCore
import XenopsHooks
import XenopsTestSupport

/// A hooks folder in a temporary directory, with helpers to add scripts and read what they
/// recorded. Scripts get only PATH in their environment, so they write to absolute paths.
struct HookFolder {
    let root: TemporaryDirectory
    var path: String { root.path + "/hooks" }
    /// Where scripts record what they saw.
    var outbox: String { root.path + "/out" }

    init() throws {
        root = try TemporaryDirectory(prefix: "xenopsd-hooks")
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
    }

    /// Writes an executable `#!/bin/sh` script `name` into the folder of `hook`.
    func add(_ hook: Hook, _ name: String, _ body: String, executable: Bool = true) throws {
        let dir = path + "/" + hook.rawValue
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/" + name
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: executable ? 0o755 : 0o644], ofItemAtPath: file)
    }

    func runner(timeout: Duration? = .seconds(60), outputLimit: Int = 64 << 10) -> DirectoryHookRunner {
        DirectoryHookRunner(configuration: HookRunnerConfiguration(directory: path, timeout: timeout, outputLimit: outputLimit))
    }

    /// The lines of a file the scripts wrote into the outbox (empty if none).
    func lines(_ name: String) -> [String] {
        guard let text = try? String(contentsOfFile: outbox + "/" + name, encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func remove() { root.remove() }
}

/// Whether process `pid` is gone (or only a zombie waiting for its reaper).
func processIsGone(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
    // The state follows the ")" that ends the command name.
    guard let close = stat.lastIndex(of: ")") else { return true }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first == "Z"
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

import Logging
#if canImport(Glibc)
import Glibc
#endif
import XenopsBackend
import XenopsCore

/// Where hook scripts are and how they run.
public struct HookRunnerConfiguration: Sendable {
    /// xenopsd's folder.
    public static let defaultDirectory = "/etc/xapi.d"
    /// The only environment a script gets: xenopsd's (forkhelpers' `default_path_env_pair`).
    public static let environment = ["PATH=/sbin:/usr/sbin:/bin:/usr/bin"]

    /// The folder holding one subfolder per hook (`vm-pre-start/`, …).
    public var directory: String
    /// How long one script may run before its process group is killed and the hook fails;
    /// nil for no limit (xenopsd sets none).
    public var timeout: Duration?
    /// The bytes of stdout and of stderr kept per script; the rest is read and dropped.
    public var outputLimit: Int

    public init(directory: String = Self.defaultDirectory, timeout: Duration? = .seconds(600), outputLimit: Int = 64 << 10) {
        self.directory = directory
        self.timeout = timeout
        self.outputLimit = outputLimit
    }
}

/// Runs the executables of `<directory>/<hook>/` as xenopsd's `Xenops_hooks.execute_vm_hook`
/// does: each in turn, in byte order of their names, as `<path> -vmuuid <uuid> -reason
/// <reason> [-vmdomid <domid>]`, without a shell.
///
/// Exit 0 continues; exit 1 logs the script's stdout and continues; any other status — or
/// death by a signal, the timeout, or a file that cannot be started — stops the hook with
/// `Hook_failed (<hook>/<file>, <reason>, <stdout>, <exit code or what happened>)`. The folder
/// is read at each run, so scripts can be added or removed while the daemon runs; a missing
/// folder means no hooks.
public final class DirectoryHookRunner: HookRunning {
    public let configuration: HookRunnerConfiguration
    private let logger: Logger

    public init(configuration: HookRunnerConfiguration = .init(), logger: Logger = Logger(label: "xenopsd.hooks")) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run(_ hook: Hook, vm: String, reason: HookReason, domid: Int?) async throws(XenopsError) {
        let folder = Array((configuration.directory + "/" + hook.rawValue).utf8)
        let listed = await onDedicatedThread(name: "hook-list") { Result { () throws(HookDirectoryError) in try HookDirectory.list(folder) } }
        let listing: HookListing
        switch listed {
        case .success(let l): listing = l
        case .failure(let error):
            throw .internalError("\(error.message); the \(hook.rawValue) hook of VM \(vm) cannot run. Fix the folder's permissions or remove it.")
        }
        for skipped in listing.skipped {
            logger.warning("hook \(hook.rawValue)/\(skipped.name) is skipped: \(skipped.why)")
        }
        var arguments = ["-vmuuid", vm, "-reason", reason.rawValue]
        if let domid { arguments += ["-vmdomid", String(domid)] }
        for script in listing.scripts {
            try await run(script, in: folder, hook: hook, arguments: arguments, reason: reason)
        }
    }

    private func run(_ script: HookScript, in folder: [UInt8], hook: Hook, arguments: [String], reason: HookReason) async throws(XenopsError) {
        let name = "\(hook.rawValue)/\(script.displayName)"
        logger.info("running hook \(name) \(arguments.joined(separator: " "))")
        let result = await ScriptProcess.run(
            path: folder + [0x2f] + script.name, arguments: arguments.map { Array($0.utf8) },
            environment: HookRunnerConfiguration.environment, timeout: configuration.timeout, outputLimit: configuration.outputLimit
        )
        let failure: String
        switch result.outcome {
        case .exited(0):
            logger.debug("hook \(name) succeeded")
            return
        case .exited(HookExit.logAndContinue):
            logger.info("hook \(name) asked to log and continue: \(result.stdout.logText)")
            return
        case .exited(let code): failure = String(code)
        case .signalled(let signal): failure = "killed by signal \(signal)"
        case .timedOut:
            failure = "timed out after \(configuration.timeout.map(Self.seconds) ?? "?") s; its process group was killed"
        case .couldNotStart(let code): failure = "could not be started: \(String(cString: strerror(code)))"
        case .cancelled:
            logger.info("hook \(name) was killed: its task was cancelled")
            throw .cancelled(task: "")
        }
        logger.warning("hook \(name) failed (\(failure)); stdout: \(result.stdout.logText); stderr: \(result.stderr.logText)")
        throw .hookFailed(script: name, reason: reason.rawValue, stdout: result.stdout.text, detail: failure)
    }

    private static func seconds(_ d: Duration) -> String {
        let c = d.components
        return c.attoseconds == 0 ? String(c.seconds) : String(Double(c.seconds) + Double(c.attoseconds) / 1e18)
    }
}

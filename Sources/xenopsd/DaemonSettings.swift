import Foundation
import Logging
import XenopsHooks
import XenopsServer
import XenopsStore

/// The daemon's settings after merging defaults, the config file and the command line (in
/// that order of increasing precedence).
struct DaemonSettings: Equatable {
    var backend = BackendChoice.auto
    var stateDir: String
    var socket = RPCServerConfiguration.defaultSocketPath
    var workers = 16
    var logLevel = Logger.Level.info
    var maxBodyBytes = 16 << 20
    var idleTimeoutSeconds = 300
    var shutdownGraceSeconds = 10
    var simStepLatencyMs = 0
    var simHostMemoryMib = 16 << 10
    var simCpus = 8
    /// Whether simulated domains are written to ``simulatorStatePath``.
    var simPersist = true
    /// The hook scripts folder (xenopsd's `/etc/xapi.d`); a missing folder means no hooks.
    var hooksDir = HookRunnerConfiguration.defaultDirectory
    /// Seconds one hook script may run; 0 for no limit (xenopsd's behaviour).
    var hookTimeoutSeconds = 600
    /// One per core (at most 4): small requests run on their connection's loop, so loops do the work.
    var eventLoopThreads = min(4, max(1, ProcessInfo.processInfo.activeProcessorCount))

    /// The defaults for this user (the state directory depends on whether we run as root).
    init(isRoot: Bool = geteuid() == 0, environment: [String: String] = ProcessInfo.processInfo.environment) {
        stateDir = VMStore.defaultDirectory(isRoot: isRoot, environment: environment)
    }

    /// Applies the keys a config file sets.
    mutating func apply(_ file: ConfigFile) {
        if let v = file.backend { backend = v }
        if let v = file.stateDir { stateDir = v }
        if let v = file.socket { socket = v }
        if let v = file.workers { workers = v }
        if let v = file.logLevel { logLevel = v }
        if let v = file.maxBodyBytes { maxBodyBytes = v }
        if let v = file.idleTimeoutSeconds { idleTimeoutSeconds = v }
        if let v = file.shutdownGraceSeconds { shutdownGraceSeconds = v }
        if let v = file.simStepLatencyMs { simStepLatencyMs = v }
        if let v = file.simHostMemoryMib { simHostMemoryMib = v }
        if let v = file.simCpus { simCpus = v }
        if let v = file.simPersist { simPersist = v }
        if let v = file.eventLoopThreads { eventLoopThreads = v }
        if let v = file.hooksDir { hooksDir = v }
        if let v = file.hookTimeoutSeconds { hookTimeoutSeconds = v }
    }

    /// How hook scripts are found and run.
    var hooks: HookRunnerConfiguration {
        HookRunnerConfiguration(directory: hooksDir, timeout: hookTimeoutSeconds == 0 ? nil : .seconds(hookTimeoutSeconds))
    }

    /// The store file inside the state directory.
    var storePath: String { (stateDir as NSString).appendingPathComponent(VMStore.defaultFileName) }
    /// The simulator's domains, kept beside the store so they outlive a daemon restart.
    var simulatorStatePath: String { (stateDir as NSString).appendingPathComponent("simulator.json") }

    /// Checks every value is in range.
    func validate() throws(StartupError) {
        func check(_ ok: Bool, _ what: String, _ range: String) throws(StartupError) {
            guard ok else {
                throw StartupError(.configuration, "\(what) is out of range", remedy: "Use \(range) (command line or config file).")
            }
        }
        try check((1...1024).contains(workers), "workers \(workers)", "1 to 1024 for --workers / \"workers\"")
        try check(maxBodyBytes >= 1024 && maxBodyBytes <= 1 << 30, "max_body_bytes \(maxBodyBytes)", "1024 to 1073741824 for --max-body-bytes / \"max_body_bytes\"")
        try check((1...86_400).contains(idleTimeoutSeconds), "idle timeout \(idleTimeoutSeconds) s", "1 to 86400 for --idle-timeout / \"idle_timeout_seconds\"")
        try check((0...3600).contains(shutdownGraceSeconds), "shutdown grace \(shutdownGraceSeconds) s", "0 to 3600 for --shutdown-grace / \"shutdown_grace_seconds\"")
        try check((0...600_000).contains(simStepLatencyMs), "simulator step latency \(simStepLatencyMs) ms", "0 to 600000 for --sim-step-latency-ms")
        try check((2048...(1 << 24)).contains(simHostMemoryMib), "simulator host memory \(simHostMemoryMib) MiB", "2048 to 16777216 for --sim-host-memory-mib")
        try check((1...4096).contains(simCpus), "simulator CPU count \(simCpus)", "1 to 4096 for --sim-cpus")
        try check((1...256).contains(eventLoopThreads), "event loop threads \(eventLoopThreads)", "1 to 256 for --event-loop-threads / \"event_loop_threads\"")
        try check((0...86_400).contains(hookTimeoutSeconds), "hook timeout \(hookTimeoutSeconds) s", "0 (no limit) to 86400 for --hook-timeout / \"hook_timeout_seconds\"")
        try check(!hooksDir.isEmpty, "the hooks folder (empty)", "a directory path for --hooks-dir")
        try check(!stateDir.isEmpty, "the state directory (empty)", "a directory path for --state-dir")
        try check(!socket.isEmpty, "the socket path (empty)", "a file path for --socket")
    }
}

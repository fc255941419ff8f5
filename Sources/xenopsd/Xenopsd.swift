import ArgumentParser
import Foundation
import Logging

/// `xenopsd`: the xenopsd-ng daemon. Serves the xenops JSON-RPC API on a Unix socket.
@main
struct Xenopsd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xenopsd",
        abstract: "The xenopsd-ng toolstack daemon: serves the xenops JSON-RPC API on a Unix socket.",
        discussion: """
            Every option can also be set in a JSON config file (--config) under its long name with \
            '_' for '-', e.g. "state_dir"; the command line wins. SIGTERM or SIGINT shut the daemon \
            down gracefully. See Docs/operations.md.
            """
    )

    @Option(help: "The hypervisor backend: auto (libxl when /dev/xen/privcmd exists, else the simulator), libxl or simulator.")
    var backend: BackendChoice?

    @Option(name: .customLong("state-dir"), help: "The directory holding state.db (and simulator.json). Default: /var/lib/xenopsd-ng as root, else ~/.local/state/xenopsd-ng.")
    var stateDir: String?

    @Option(help: "The Unix socket to serve (default: /run/xenopsd-ng/xenopsd.sock).")
    var socket: String?

    @Option(help: "How many VMs may have an operation running at once (default: 16).")
    var workers: Int?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: info).")
    var logLevel: Logger.Level?

    @Option(help: "A JSON config file with the same keys as these options.")
    var config: String?

    @Option(name: .customLong("max-body-bytes"), help: "The largest request body accepted (default: 16777216).")
    var maxBodyBytes: Int?

    @Option(name: .customLong("idle-timeout"), help: "Seconds after which an idle client connection is closed (default: 300).")
    var idleTimeout: Int?

    @Option(name: .customLong("shutdown-grace"), help: "Seconds requests in progress may take to finish on shutdown (default: 10).")
    var shutdownGrace: Int?

    @Option(name: .customLong("event-loop-threads"), help: "Threads doing socket I/O (default: 1; calls run on the Swift concurrency pool).")
    var eventLoopThreads: Int?

    @Option(name: .customLong("sim-step-latency-ms"), help: "Simulator: milliseconds every domain operation takes (default: 0).")
    var simStepLatencyMs: Int?

    @Option(name: .customLong("sim-host-memory-mib"), help: "Simulator: host RAM in MiB (default: 16384).")
    var simHostMemoryMib: Int?

    @Option(name: .customLong("sim-cpus"), help: "Simulator: host CPU count (default: 8).")
    var simCpus: Int?

    @Option(name: .customLong("sim-persist"), help: "Simulator: keep simulated domains in <state-dir>/simulator.json so they outlive a restart (default: true; false only for benchmarks that measure the daemon, not the simulator's file).")
    var simPersist: Bool?

    @Option(name: .customLong("hooks-dir"), help: "The hook scripts folder, one subfolder per hook as xenopsd's (default: /etc/xapi.d; a missing folder means no hooks).")
    var hooksDir: String?

    @Option(name: .customLong("hook-timeout"), help: "Seconds one hook script may run before it is killed and the operation fails with Hook_failed; 0 for no limit, as xenopsd (default: 600).")
    var hookTimeout: Int?

    func run() async throws {
        do {
            let settings = try resolvedSettings()
            let level = settings.logLevel
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            try await Daemon(settings: settings, logger: Logger(label: "xenopsd")).run()
        } catch {
            FileHandle.standardError.write(Data((error.description + "\n").utf8))
            throw ExitCode(error.status.rawValue)
        }
    }

    /// Defaults, then the config file, then the command line.
    func resolvedSettings() throws(StartupError) -> DaemonSettings {
        var settings = DaemonSettings()
        if let config { settings.apply(try ConfigFile.load(config)) }
        if let backend { settings.backend = backend }
        if let stateDir { settings.stateDir = stateDir }
        if let socket { settings.socket = socket }
        if let workers { settings.workers = workers }
        if let logLevel { settings.logLevel = logLevel }
        if let maxBodyBytes { settings.maxBodyBytes = maxBodyBytes }
        if let idleTimeout { settings.idleTimeoutSeconds = idleTimeout }
        if let shutdownGrace { settings.shutdownGraceSeconds = shutdownGrace }
        if let simStepLatencyMs { settings.simStepLatencyMs = simStepLatencyMs }
        if let simHostMemoryMib { settings.simHostMemoryMib = simHostMemoryMib }
        if let simCpus { settings.simCpus = simCpus }
        if let simPersist { settings.simPersist = simPersist }
        if let eventLoopThreads { settings.eventLoopThreads = eventLoopThreads }
        if let hooksDir { settings.hooksDir = hooksDir }
        if let hookTimeout { settings.hookTimeoutSeconds = hookTimeout }
        try settings.validate()
        return settings
    }
}

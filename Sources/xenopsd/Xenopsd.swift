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


    @Flag(name: .customLong("use-switch"), inversion: .prefixedNo, help: "Also serve the xenops queue on the message-switch, as xenopsd does for XAPI (default: off; giving --message-switch turns it on).")
    var useSwitch: Bool?

    @Option(name: .customLong("message-switch"), help: "The message-switch socket (default: /var/run/message-switch/sock). Turns on --use-switch.")
    var messageSwitch: String?

    @Option(help: "The message-switch queue to serve (default: org.xen.xapi.xenops.classic, the queue XAPI's xapi.conf names).")
    var queue: String?

    @Option(name: .customLong("hooks-dir"), help: "The hook scripts folder, one subfolder per hook as xenopsd's (default: /etc/xapi.d; a missing folder means no hooks).")
    var hooksDir: String?

    @Option(name: .customLong("hook-timeout"), help: "Seconds one hook script may run before it is killed and the operation fails with Hook_failed; 0 for no limit, as xenopsd (default: 600).")
    var hookTimeout: Int?
    @Option(name: .customLong("sockets-path"), help: "XAPI's sockets directory, as xenopsd's sockets-path (e.g. /var/lib/xcp): also serve DIR/xenopsd (XML-RPC, as XAPI posts with use-switch=false) and DIR/xenopsd.forwarded (migration connections XAPI hands over). Default: off.")
    var socketsPath: String?
    @Option(name: .customLong("setup-vif-rules"), help: "libxl: the script that applies a VIF's locking mode, run as 'classic <vifN.M> <vm uuid> <devid> filter' (default: /usr/libexec/xenopsd/setup-vif-rules, XCP-ng's).")
    var setupVifRules: String?

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
        if let socketsPath { settings.socketsPath = socketsPath }
        if let messageSwitch { settings.messageSwitch = messageSwitch; settings.useSwitch = true }
        if let useSwitch { settings.useSwitch = useSwitch }
        if let queue { settings.queue = queue }
        if let hooksDir { settings.hooksDir = hooksDir }
        if let hookTimeout { settings.hookTimeoutSeconds = hookTimeout }
        if let setupVifRules { settings.setupVifRules = setupVifRules }
        try settings.validate()
        return settings
    }
}

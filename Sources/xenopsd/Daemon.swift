import Foundation
import Logging
import ServiceLifecycle
import XenopsBackend
import XenopsCore
import XenopsEngine
import XenopsHooks
import XenopsLibxl
import XenopsRPC
import XenopsServer
import XenopsSimulator
import XenopsStore

/// The composition root: picks the backend, opens the store, starts the engine, and runs the
/// engine and the RPC server as one service group until SIGTERM or SIGINT.
struct Daemon {
    let settings: DaemonSettings
    let logger: Logger

    func run() async throws(StartupError) {
        let backendChoice = settings.backend.resolved()
        // Refuse early, before the store is opened, if another daemon serves the socket.
        do { try RPCServer.preflight(socketPath: settings.socket) } catch {
            throw StartupError(.socket, error.reason, remedy: error.remedy)
        }
        let lock = try StateDirectoryLock(directory: settings.stateDir)
        defer { lock.release() }
        let store = try openStore()
        let backend: any Hypervisor
        do {
            switch backendChoice {
            case .libxl: backend = try await makeLibxl()
            default: backend = try makeSimulator()
            }
        } catch {
            try? store.close()
            throw error
        }
        let engine = XenopsEngine(
            backend: backend, store: store,
            configuration: EngineConfiguration(
                workers: settings.workers, hooks: DirectoryHookRunner(configuration: settings.hooks, logger: Logger(label: "xenopsd.hooks")),
                logger: Logger(label: "xenopsd.engine")
            )
        )
        do { try await engine.start() } catch {
            await backend.close()
            try? store.close()
            throw StartupError(.failure, "the engine could not start: \(error.message)", remedy: "Check the messages above; the state store at \(settings.storePath) was not changed by this attempt.")
        }

        let serverConfiguration = RPCServerConfiguration(
            socketPath: settings.socket, maxBodyBytes: settings.maxBodyBytes,
            idleTimeout: .seconds(settings.idleTimeoutSeconds), shutdownGracePeriod: .seconds(settings.shutdownGraceSeconds),
            eventLoopThreads: settings.eventLoopThreads
        )
        // One runner for every transport: the same dispatcher, limits and long-poll registry.
        let runner = CallRunner(
            dispatcher: Dispatcher(service: EngineService(engine: engine)), limits: serverConfiguration.jsonLimits,
            logger: Logger(label: "xenopsd.rpc")
        )
        let server = RPCServer(
            runner: runner,
            configuration: serverConfiguration,
            logger: Logger(label: "xenopsd.server")
        )
        let banner = "xenopsd-ng: backend \(backendChoice.rawValue), socket \(settings.socket), state dir \(settings.stateDir)"
        let logger = self.logger
        let group = ServiceGroup(
            services: [
                EngineLifecycle(engine: engine, backend: backend, store: store, logger: logger, closeTimeout: .seconds(max(settings.shutdownGraceSeconds, 1))),
                RPCServerService(server: server) {
                    FileHandle.standardOutput.write(Data((banner + "\n").utf8))
                    logger.info("ready", metadata: ["backend": .string(backendChoice.rawValue), "socket": .string(settings.socket), "state_dir": .string(settings.stateDir)])
                },
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        do {
            try await group.run()
        } catch let error as ServerError {
            throw StartupError(.socket, error.reason, remedy: error.remedy)
        } catch {
            throw StartupError(.failure, "the daemon stopped on an error: \(error)", remedy: "Check the messages above, then start it again.")
        }
        logger.info("stopped")
    }

    private func openStore() throws(StartupError) -> VMStore {
        do { return try VMStore(path: settings.storePath) } catch {
            let remedy = error.remedy.isEmpty ? "Check --state-dir (\(settings.stateDir)) and its permissions." : error.remedy
            throw StartupError(.store, "cannot open the state store \(settings.storePath): \(error.reason)", remedy: remedy)
        }
    }

    private func makeLibxl() async throws(StartupError) -> LibxlHypervisor {
        do { return try await LibxlHypervisor.open(logger: Logger(label: "xenopsd.libxl")) } catch {
            let why = settings.backend == .auto ? " (--backend auto picked it because \(BackendChoice.privcmdPath) exists)" : ""
            throw StartupError(
                .failure, "cannot use the libxl backend\(why): \(error)",
                remedy: "Run xenopsd in a Xen dom0 with xenstored running (/dev/xen/privcmd, /dev/xen/xenbus), or use --backend simulator.")
        }
    }

    private func makeSimulator() throws(StartupError) -> SimulatedHypervisor {
        var configuration = SimulatorConfiguration()
        configuration.hostMemoryBytes = Int64(settings.simHostMemoryMib) << 20
        configuration.cpuCount = settings.simCpus
        configuration.statePath = settings.simPersist ? settings.simulatorStatePath : nil
        configuration.stepLatency = .milliseconds(settings.simStepLatencyMs)
        do { return try SimulatedHypervisor(configuration: configuration) } catch {
            throw StartupError(
                .store, "cannot load the simulator's domains from \(settings.simulatorStatePath): \(error)",
                remedy: "Move the file away to start with no simulated domains (their VMs then show as Halted).")
        }
    }
}

import Logging
import ServiceLifecycle
import XenopsBackend
import XenopsEngine
import XenopsStore

/// Keeps the engine, its backend and the store open for the life of the service group, and
/// closes them on shutdown. It is the first service of the group, so it shuts down last:
/// after the RPC server has stopped accepting and drained.
struct EngineLifecycle: Service, CustomStringConvertible {
    let engine: XenopsEngine
    let backend: any Hypervisor
    let store: VMStore
    let logger: Logger
    /// How long queued operations may run on before their tasks are cancelled.
    let closeTimeout: Duration

    var description: String { "engine (\(backend.kind) backend)" }

    func run() async throws {
        // Returns on graceful shutdown; throws CancellationError if the group is cancelled.
        // Either way the engine and store must be closed.
        var stopError: (any Error)?
        do { try await gracefulShutdown() } catch { stopError = error }
        logger.info("closing the engine")
        await engine.close(timeout: closeTimeout)
        await backend.close()
        do { try store.close() } catch {
            logger.error("closing the state store failed (committed changes are safe; the WAL is replayed at the next start): \(error)")
        }
        if let stopError { throw stopError }
    }
}

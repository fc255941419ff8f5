import Foundation

/// Runs blocking work (directory reads, `poll`, `waitpid`) on a thread of its own and
/// awaits its result, so the Swift cooperative pool is never blocked. Hooks are rare and
/// each run is short-lived, so a thread per call costs less than a pool that sits idle.
func onDedicatedThread<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}

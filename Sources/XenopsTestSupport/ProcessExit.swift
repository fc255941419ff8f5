import Foundation

extension Process {
    /// Waits until the process has exited, polling, for at most `timeout`; returns whether it
    /// exited.
    ///
    /// Tests use this instead of `waitUntilExit()`: swift-corelibs-foundation's
    /// `waitUntilExit()` spins a run loop, and two threads calling it at once (two tests
    /// cleaning up their daemons in parallel) were seen spinning at 100 % CPU each, forever.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(30)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < deadline {
            usleep(10_000)
        }
        return !isRunning
    }

    /// Sends SIGKILL if the process still runs and waits (polling) until it has exited.
    public func killAndWait(timeout: Duration = .seconds(30)) {
        guard isRunning else { return }
        kill(processIdentifier, SIGKILL)
        waitForExit(timeout: timeout)
    }
}

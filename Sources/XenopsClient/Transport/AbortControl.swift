import Glibc
import Synchronization

/// Lets another thread abandon a connection's blocking I/O: it remembers the descriptor in
/// use and shuts it down on ``abort()``. The descriptor is closed only under the same lock,
/// so ``abort()`` can never shut down a number the kernel has reused for another file.
final class AbortControl: Sendable {
    private struct State {
        var fd: Int32 = -1
        var aborted = false
    }

    private let state = Mutex(State())

    /// Clears the flag before a new call.
    func reset() {
        state.withLock { $0.aborted = false }
    }

    /// Whether ``abort()`` was called since the last ``reset()``.
    var isAborted: Bool { state.withLock { $0.aborted } }

    /// Stops the current call: the socket is shut down and the next check throws.
    func abort() {
        state.withLock { s in
            s.aborted = true
            if s.fd >= 0 { _ = shutdown(s.fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Records the descriptor of a new socket; false if the call was aborted meanwhile.
    func attach(_ fd: Int32) -> Bool {
        state.withLock { s in
            s.fd = fd
            return !s.aborted
        }
    }

    /// Closes `socket` and forgets its descriptor, under the lock.
    func close(_ socket: UnixSocket) {
        state.withLock { s in
            if s.fd == socket.fd { s.fd = -1 }
            socket.close()
        }
    }
}

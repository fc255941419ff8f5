import CSpawn
#if canImport(Glibc)
import Glibc
#endif

/// A close-on-exec pipe used as a level-triggered flag a `poll` loop can wait on: one byte
/// written means "wake up". Both ends are closed when the last user lets go of it.
final class WakePipe: Sendable {
    let readFD: Int32
    let writeFD: Int32

    /// Nil, with `errno` set, when the process is out of descriptors.
    init?() {
        var fds: [Int32] = [-1, -1]
        let rc = cs_pipe(&fds)
        guard rc == 0 else {
            errno = rc
            return nil
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    func signal() {
        var byte: UInt8 = 1
        while write(writeFD, &byte, 1) < 0 && errno == EINTR {}
    }

    deinit {
        close(readFD)
        close(writeFD)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
import XenopsBackend
import XenopsEngine

/// A connection handed over by XAPI, owned until ``close()`` (or deinit): the engine's
/// ``MigrationStream`` over its descriptor.
final class DescriptorStream: MigrationStream {
    let descriptor: Int32
    private let closed = Atomic<Bool>(false)

    /// Takes ownership of `descriptor` and turns on TCP keep-alives when it is a socket, so a
    /// source host that vanishes is noticed (as xenopsd's `Sockopt.set_sock_keepalives`).
    init(taking descriptor: Int32) {
        self.descriptor = descriptor
        var on: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    func read(exactly count: Int) async throws -> [UInt8] {
        let fd = descriptor
        return try await BlockingThread.run { flag in try BlockingDescriptorIO.read(fd, exactly: count, flag: flag) }
    }

    func write(_ bytes: [UInt8]) async throws {
        let fd = descriptor
        try await BlockingThread.run { flag in try BlockingDescriptorIO.write(fd, bytes, flag: flag) }
    }

    /// Closes the descriptor once.
    func close() {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { closeDescriptor(descriptor) }
    }

    deinit { close() }
}

/// `close(2)`, out of reach of the methods called `close`.
func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

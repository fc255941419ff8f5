import XenopsCore

/// One connection of an incoming migration (the control connection, or the memory
/// connection), as the engine sees it: a file descriptor the backend can restore from, and
/// framed reads and writes for the handshake.
///
/// The transport that accepted the connection implements it (XenopsServer's forwarded socket;
/// issue #8's TLS listener) and owns the descriptor: it stays open until the engine's handler
/// for the connection returns. Reads and writes must not block the cooperative pool, and must
/// stop soon after the calling task is cancelled, throwing `CancellationError`.
public protocol MigrationStream: AnyObject, Sendable {
    /// The connected descriptor (handed to ``Hypervisor/restore(_:from:)``).
    var descriptor: Int32 { get }
    /// Exactly `count` bytes; throws if the peer closes the connection first.
    func read(exactly count: Int) async throws -> [UInt8]
    /// Writes every byte.
    func write(_ bytes: [UInt8]) async throws
}

extension MigrationStream {
    /// Sends one handshake frame.
    func send(_ frame: MigrationHandshake) async throws {
        try await write(frame.encoded)
    }

    /// Receives one handshake frame.
    func receiveFrame() async throws -> MigrationHandshake {
        let header = try await read(exactly: 2)
        let length = MigrationHandshake.messageLength(header: header)
        return MigrationHandshake(message: length == 0 ? [] : try await read(exactly: length))
    }

    /// Receives a frame and throws the peer's error unless it is Success. `point` names the
    /// sync point in errors and logs.
    func expectSuccess(at point: String) async throws {
        let frame: MigrationHandshake
        do { frame = try await receiveFrame() } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw XenopsError.internalError("the migration source closed or broke the connection before \(point): \(error)")
        }
        if let failure = frame.peerError {
            throw XenopsError.internalError("the migration source reported an error at \(point): \(failure.message)")
        }
    }
}

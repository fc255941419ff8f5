import Testing
import XenopsCore

/// The migration handshake frames (`Xenops_migrate.Handshake`): two big-endian length bytes,
/// then the message; `00 00` is Success, an error carries the JSON of an `Errors.error`.
@Suite("Migration handshake frames")
struct MigrationHandshakeTests {
    @Test func successIsTwoZeroBytes() {
        #expect(MigrationHandshake.success.encoded == [0, 0])
        #expect(MigrationHandshake(frame: [0, 0]) == .success)
        #expect(MigrationHandshake.success.peerError == nil)
    }

    @Test func anErrorIsItsLengthBigEndianThenTheJSONOfTheError() {
        let frame = MigrationHandshake.failure(.doesNotExist(namespace: "VM", path: "7b719ce6-0b17-9733-e8ee-000000000001/config"))
        let json = #"["Does_not_exist",["VM","7b719ce6-0b17-9733-e8ee-000000000001/config"]]"#
        #expect(frame == .error(json))
        let bytes = frame.encoded
        #expect(bytes.count == 2 + json.utf8.count)
        #expect(bytes[0] == UInt8(json.utf8.count >> 8) && bytes[1] == UInt8(json.utf8.count & 0xFF))
        #expect(Array(bytes.dropFirst(2)) == Array(json.utf8))
        #expect(MigrationHandshake.messageLength(header: Array(bytes.prefix(2))) == json.utf8.count)
    }

    @Test func aLengthOver255UsesBothHeaderBytes() {
        let text = String(repeating: "x", count: 0x1234)
        let bytes = MigrationHandshake.failure(.internalError(text)).encoded
        let length = (#"["Internal_error",""#).utf8.count + 0x1234 + 2
        #expect(bytes[0] == UInt8(length >> 8) && bytes[1] == UInt8(length & 0xFF))
        #expect(MigrationHandshake(frame: bytes) == .failure(.internalError(text)))
    }

    @Test func thePeersErrorDecodesAsTheXenopsError() {
        #expect(MigrationHandshake.error(#"["Not_enough_memory",4294967296]"#).peerError == .notEnoughMemory(4_294_967_296))
        #expect(MigrationHandshake.error(#"["Cancelled","12"]"#).peerError == .cancelled(task: "12"))
    }

    @Test func freeTextFromAnOlderPeerBecomesAnInternalError() {
        let error = MigrationHandshake.error("Xenops_interface.Xenopsd_error(Internal_error)").peerError
        #expect(error == .internalError("the migration peer reported: Xenops_interface.Xenopsd_error(Internal_error)"))
        // An unknown tag is not swallowed as Unknown_error: the words reach the log.
        guard case .internalError(let text)? = MigrationHandshake.error(#"["Some_future_error","x"]"#).peerError else {
            Issue.record("expected an Internal_error")
            return
        }
        #expect(text.contains("Some_future_error"))
    }

    @Test func anErrorTooLongForAFrameIsShortenedAndStaysValidJSON() throws {
        let frame = MigrationHandshake.failure(.internalError(String(repeating: "é", count: 70_000)))
        let bytes = frame.encoded
        #expect(bytes.count <= 2 + MigrationHandshake.maxMessageBytes)
        guard case .internalError? = frame.peerError else {
            Issue.record("expected the shortened error to decode as Internal_error, got \(String(describing: frame.peerError))")
            return
        }
        _ = try JSONValue.parse(Array(bytes.dropFirst(2)))
    }

    @Test func anEmptyErrorIsNeverSentAsSuccess() {
        #expect(MigrationHandshake.error("").encoded != [0, 0])
    }

    @Test func aFrameWithTheWrongLengthIsRefused() {
        #expect(MigrationHandshake(frame: [0]) == nil)
        #expect(MigrationHandshake(frame: [0, 3, 65]) == nil)
        #expect(MigrationHandshake(frame: [0, 0, 0]) == nil)
    }
}

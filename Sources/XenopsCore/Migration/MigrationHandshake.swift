/// One handshake frame of the migration protocol (xenopsd's `Xenops_migrate.Handshake`).
///
/// The source and destination daemons synchronise on the migration connections with frames of
/// **two big-endian length bytes followed by that many bytes of message**: `00 00` is Success,
/// anything longer is an error whose message is the JSON of an `Errors.error` (xenopsd PR #564;
/// older peers sent free text, which decodes as `Internal_error`).
public enum MigrationHandshake: Sendable, Hashable {
    case success
    /// An error; the message is normally the JSON of an `Errors.error`.
    case error(String)

    /// The largest message a frame can carry (the length field is 16 bits).
    public static let maxMessageBytes = 0xFFFF

    /// The error frame xenopsd sends for `error`: its ocaml-rpc JSON. A message that would not
    /// fit a frame is replaced by a shortened `Internal_error` that still says what failed.
    public static func failure(_ error: XenopsError) -> MigrationHandshake {
        let json = error.xenops.jsonString
        if json.utf8.count <= maxMessageBytes { return .error(json) }
        let text = String(error.message.utf8.prefix(maxMessageBytes / 2)) ?? "the destination failed"
        return .error(XenopsError.internalError(text + " …").xenops.jsonString)
    }

    /// The frame's bytes.
    public var encoded: [UInt8] {
        switch self {
        case .success: return [0, 0]
        case .error(let message):
            var body = Array(message.utf8.prefix(Self.maxMessageBytes))
            if body.isEmpty { body = Array("error".utf8) }  // an empty error would read as Success
            return [UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        }
    }

    /// The message length announced by a frame's two header bytes.
    public static func messageLength(header: [UInt8]) -> Int {
        precondition(header.count == 2, "a handshake header is two bytes")
        return Int(header[0]) << 8 | Int(header[1])
    }

    /// The frame whose header announced `message` (empty for Success).
    public init(message: [UInt8]) {
        self = message.isEmpty ? .success : .error(String(decoding: message, as: UTF8.self))
    }

    /// Decodes one whole frame (header and message); nil if `bytes` is not exactly one frame.
    public init?(frame bytes: [UInt8]) {
        guard bytes.count >= 2, bytes.count == 2 + Self.messageLength(header: Array(bytes.prefix(2))) else { return nil }
        self.init(message: Array(bytes.dropFirst(2)))
    }

    /// The error the peer reported, as xenopsd's source decodes it: the JSON of an
    /// `Errors.error`, else the text as `Internal_error`. Nil for Success.
    public var peerError: XenopsError? {
        guard case .error(let message) = self else { return nil }
        if let json = try? JSONValue.parse(message), let error = try? XenopsError(xenops: json), error != .unknownError {
            return error
        }
        return .internalError("the migration peer reported: \(message)")
    }
}

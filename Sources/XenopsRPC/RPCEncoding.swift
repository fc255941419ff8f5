/// How a request body is encoded. Clients do not always say (XAPI's XML-RPC client sends no
/// `Content-Type`), so the encoding is told from the body itself.
public enum RPCEncoding: Sendable, Hashable {
    /// JSON-RPC v1 or 2.0.
    case json
    /// XML-RPC, as ocaml-rpc writes it.
    case xml

    /// The encoding of `body`: XML when its first non-blank byte is `<`, JSON otherwise (a
    /// body that is neither gets the JSON parser's error, which says what it found).
    public static func sniff(_ body: some Collection<UInt8>) -> RPCEncoding {
        for byte in body {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "<"): return .xml
            default: return .json
            }
        }
        return .json
    }
}

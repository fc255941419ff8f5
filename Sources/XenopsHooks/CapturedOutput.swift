/// What a script wrote on one stream: the first `limit` bytes, and how many more were read
/// and thrown away, so a script that writes without end never grows the daemon's memory.
struct CapturedOutput: Sendable, Equatable {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        let room = max(0, limit - bytes.count)
        let kept = min(room, chunk.count)
        if kept > 0 { bytes.append(contentsOf: chunk.prefix(kept)) }
        dropped += chunk.count - kept
    }

    /// The text (invalid UTF-8 replaced), with a note when some of it was not kept.
    var text: String {
        let kept = String(decoding: bytes, as: UTF8.self)
        return dropped == 0 ? kept : kept + "\n[\(dropped) more bytes not kept]"
    }

    /// The text on one log line: control characters (newlines included) escaped, as
    /// xenopsd logs hook output with `String.escaped`.
    var logText: String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

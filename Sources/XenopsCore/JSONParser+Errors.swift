// Error construction of JSONParser, kept off the hot paths (`@inline(never)`).

extension JSONParser {
    // MARK: Errors (cold)

    @inline(never)
    func error(_ kind: JSONParseError.Kind, at offset: Int, _ detail: String) -> JSONParseError {
        JSONParseError(kind: kind, offset: offset, detail: detail, input: input)
    }

    /// "expected X, found Y" at `offset`, as `.unexpectedEnd` past the input or
    /// `.unexpectedCharacter` otherwise.
    @inline(never)
    func unexpected(_ expectation: String, at offset: Int) -> JSONParseError {
        if offset >= end {
            return error(.unexpectedEnd, at: end, "\(expectation), found end of input")
        }
        return error(.unexpectedCharacter(byte(offset)), at: offset, "\(expectation), found \(describe(at: offset))")
    }

    @inline(never)
    func unterminatedString(at offset: Int) -> JSONParseError {
        error(.unexpectedEnd, at: offset, "expected '\"' to close the string, found end of input")
    }

    @inline(never)
    func controlCharacter(_ value: UInt8, at offset: Int) -> JSONParseError {
        error(
            .controlCharacterInString(value), at: offset,
            "control character \(scalarName(UInt32(value))) must be escaped in a string"
        )
    }

    @inline(never)
    func loneSurrogate(_ value: UInt32, at offset: Int) -> JSONParseError {
        error(.loneSurrogate, at: offset, "unpaired UTF-16 surrogate \(scalarName(value)) in string escape")
    }

    /// How the byte (or UTF-8 character) at `offset` reads in a message.
    func describe(at offset: Int) -> String {
        guard offset < end else { return "end of input" }
        let lead = byte(offset)
        if lead >= 0x80, case .valid(let length) = utf8SequenceLength(input, at: offset) {
            let text = String(decoding: UnsafeBufferPointer(rebasing: input[offset..<(offset + length)]), as: UTF8.self)
            // The code point too, because many such characters are invisible (BOM, NBSP).
            return "'\(text)' (\(scalarName(text.unicodeScalars.first.map(\.value) ?? 0)))"
        }
        return describeRaw(lead)
    }

    func describeRaw(_ value: UInt8) -> String {
        switch value {
        case 0x20...0x7E: return "'\(Character(Unicode.Scalar(value)))'"
        case 0..<0x20, 0x7F: return "control character \(scalarName(UInt32(value)))"
        default: return "byte \(hexByte(value))"
        }
    }

    func hexByte(_ value: UInt8) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return value < 0x10 ? "0x0\(hex)" : "0x\(hex)"
    }

    func scalarName(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension JSONValue {
    /// The compact JSON text of this value as UTF-8 bytes; see `serialize(into:)`.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        // Most xenops replies are a few hundred bytes; starting there avoids the first
        // handful of regrowths without wasting much on tiny values.
        output.reserveCapacity(256)
        serialize(into: &output)
        return output
    }

    /// Appends the compact JSON text of this value to `output`, so a caller can reuse one
    /// buffer for many responses.
    ///
    /// - No whitespace; object members in stored order (duplicates included).
    /// - Strings escape only what RFC 8259 requires: `"`, `\` and U+0000...U+001F, using
    ///   `\b \f \n \r \t` where they exist and lowercase `\u00xx` otherwise. Everything else,
    ///   `/`, DEL and all non-ASCII (U+2028 and U+2029 included) is written as raw UTF-8:
    ///   that is valid JSON, and the daemon's peers are JSON parsers, not JavaScript `eval`.
    /// - `.int` is written in decimal. `.double` uses Swift's shortest round-trip form and
    ///   always keeps a '.' or an exponent (`1.0`, `3.71`, `1e+20`), so it reads back as a
    ///   double. NaN and the infinities have no JSON form and are written as `null`.
    ///
    /// Recurses once per nesting level; values produced by `parse` are bounded by
    /// `JSONLimits.maxDepth`.
    public func serialize(into output: inout [UInt8]) {
        switch self {
        case .null:
            Self.appendASCII("null", to: &output)
        case .bool(let flag):
            Self.appendASCII(flag ? "true" : "false", to: &output)
        case .int(let integer):
            Self.appendInteger(integer, to: &output)
        case .double(let double):
            Self.appendDouble(double, to: &output)
        case .string(let string):
            Self.appendString(string, to: &output)
        case .array(let elements):
            output.append(0x5B)  // [
            var first = true
            for element in elements {
                if !first { output.append(0x2C) }  // ,
                first = false
                element.serialize(into: &output)
            }
            output.append(0x5D)  // ]
        case .object(let members):
            output.append(0x7B)  // {
            var first = true
            for member in members {
                if !first { output.append(0x2C) }  // ,
                first = false
                Self.appendString(member.key, to: &output)
                output.append(0x3A)  // :
                member.value.serialize(into: &output)
            }
            output.append(0x7D)  // }
        }
    }

    /// The compact JSON text of this value; see `serialize(into:)`.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }

    // MARK: Writers

    @inline(__always)
    private static func appendASCII(_ text: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value < 0 { output.append(0x2D) }  // -
        // magnitude covers Int64.min, whose negation does not fit Int64.
        var remaining = value.magnitude
        let firstDigit = output.count
        repeat {
            output.append(UInt8(truncatingIfNeeded: remaining % 10) &+ 0x30)
            remaining /= 10
        } while remaining != 0
        // Digits were produced least significant first.
        output[firstDigit...].reverse()
    }

    private static func appendDouble(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else {
            appendASCII("null", to: &output)
            return
        }
        // `description` is the shortest text that reads back as the same Double.
        var text = value.description
        var hasFractionOrExponent = false
        text.withUTF8 { utf8 in
            for byte in utf8 where byte == 0x2E || byte == 0x65 || byte == 0x45 {  // . e E
                hasFractionOrExponent = true
                break
            }
            output.append(contentsOf: utf8)
        }
        // Without it the number would read back as an integer and change kind.
        if !hasFractionOrExponent { appendASCII(".0", to: &output) }
    }

    private static func appendString(_ string: String, to output: inout [UInt8]) {
        output.append(0x22)  // "
        var string = string  // withUTF8 is mutating; for native strings it is a no-op borrow.
        string.withUTF8 { utf8 in
            // Copy runs of bytes that need no escaping in one append each.
            var runStart = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte >= 0x20 && byte != 0x22 && byte != 0x5C {
                    index += 1
                    continue
                }
                if runStart < index {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                }
                appendEscape(byte, to: &output)
                index += 1
                runStart = index
            }
            if runStart < utf8.count {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
            }
        }
        output.append(0x22)  // "
    }

    private static func appendEscape(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(0x5C)  // \
        switch byte {
        case 0x22: output.append(0x22)  // \"
        case 0x5C: output.append(0x5C)  // \\
        case 0x08: output.append(0x62)  // \b
        case 0x0C: output.append(0x66)  // \f
        case 0x0A: output.append(0x6E)  // \n
        case 0x0D: output.append(0x72)  // \r
        case 0x09: output.append(0x74)  // \t
        default:
            // \u00xx for the remaining control characters.
            let hexDigits: StaticString = "0123456789abcdef"
            let digits = hexDigits.utf8Start
            output.append(0x75)  // u
            output.append(0x30)
            output.append(0x30)
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
    }
}

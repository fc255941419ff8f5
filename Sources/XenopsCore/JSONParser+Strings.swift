// String parsing of JSONParser: the fast path for plain strings, escapes, UTF-8 validation.

extension JSONParser {
    // MARK: Strings

    /// Parses a string starting at its opening quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let opening = index
        index += 1
        let start = index
        let base = input.baseAddress.unsafelyUnwrapped
        while true {
            // Skip eight plain bytes at a time, then jump straight to the first byte that
            // needs attention: most xenops strings (keys, UUIDs, states) are pure ASCII
            // without escapes, so this loop does nearly all the work.
            while index &+ 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self))
                let attention = Self.bytesNeedingAttention(word)
                if attention != 0 {
                    index &+= attention.trailingZeroBitCount &>> 3
                    break
                }
                index &+= 8
            }
            guard index < end else { throw unterminatedString(at: index) }
            let current = byte(index)
            if current == ASCII.quote {
                let length = index - start
                index += 1
                try checkStringLength(length, at: opening)
                return makeString(base + start, count: length)
            } else if current == ASCII.backslash {
                return try parseEscapedString(opening: opening, start: start)
            } else if current < ASCII.space {
                throw controlCharacter(current, at: index)
            } else if current >= 0x80 {
                index += try validateUTF8Sequence(at: index)
            } else {
                index += 1
            }
        }
    }

    /// A mask with the high bit set in each byte of `word` (first byte in the low bits) that
    /// may be a quote, a backslash, a control character or non-ASCII; zero if none is.
    /// Uses the classic "has zero byte" bit trick: borrows can flag bytes *after* a real hit,
    /// never before, so the lowest flagged byte is always the first real one.
    @inline(__always)
    static func bytesNeedingAttention(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(ASCII.quote))
        let backslashes = word ^ (ones &* UInt64(ASCII.backslash))
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* UInt64(ASCII.space)) & ~word
        return (hasQuote | hasBackslash | hasControl | word) & highBits
    }

    /// Slow path for a string with at least one escape; `index` is at the first backslash.
    mutating func parseEscapedString(opening: Int, start: Int) throws(JSONParseError) -> String {
        let base = input.baseAddress.unsafelyUnwrapped
        unescaped.removeAll(keepingCapacity: true)
        unescaped.append(contentsOf: UnsafeBufferPointer(start: base + start, count: index - start))
        while true {
            guard index < end else { throw unterminatedString(at: index) }
            let current = byte(index)
            if current == ASCII.quote {
                index += 1
                try checkStringLength(unescaped.count, at: opening)
                return unescaped.withUnsafeBufferPointer { makeString($0.baseAddress.unsafelyUnwrapped, count: $0.count) }
            } else if current == ASCII.backslash {
                try parseEscape()
            } else if current < ASCII.space {
                throw controlCharacter(current, at: index)
            } else if current >= 0x80 {
                let length = try validateUTF8Sequence(at: index)
                unescaped.append(contentsOf: UnsafeBufferPointer(start: base + index, count: length))
                index += length
            } else {
                // Copy a run of plain ASCII in one go.
                let runStart = index
                index += 1
                while index < end {
                    let next = byte(index)
                    if next == ASCII.quote || next == ASCII.backslash || next < ASCII.space || next >= 0x80 { break }
                    index += 1
                }
                unescaped.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: index - runStart))
            }
        }
    }

    /// Decodes one escape at `index` (a backslash) into `unescaped`.
    mutating func parseEscape() throws(JSONParseError) {
        let backslash = index
        guard index + 1 < end else { throw unterminatedString(at: end) }
        let escaped = byte(index + 1)
        let decoded: UInt8
        switch escaped {
        case ASCII.quote, ASCII.backslash, ASCII.slash: decoded = escaped
        case ASCII.lowerB: decoded = 0x08
        case ASCII.lowerF: decoded = 0x0C
        case ASCII.lowerN: decoded = ASCII.newline
        case ASCII.lowerR: decoded = ASCII.carriageReturn
        case ASCII.lowerT: decoded = ASCII.tab
        case ASCII.lowerU:
            try parseUnicodeEscape(backslash: backslash)
            return
        default:
            let shown = escaped >= 0x21 && escaped <= 0x7E
                ? "'\\\(Character(Unicode.Scalar(escaped)))'"
                : "'\\' followed by \(describe(at: index + 1))"
            throw error(.invalidEscape, at: backslash, "invalid escape sequence \(shown) in string")
        }
        unescaped.append(decoded)
        index += 2
    }

    // Hot helpers that only read the parser are still `mutating` and forced inline: for a
    // non-mutating call, even an inlined one, the compiler copied the whole noncopyable
    // parser (160 bytes) to borrow it, which cost more than the work itself.

    /// Decodes `\uXXXX` (and its low-surrogate partner) at `backslash` into UTF-8.
    mutating func parseUnicodeEscape(backslash: Int) throws(JSONParseError) {
        let first = try readHex4(at: backslash + 2)
        index = backslash + 6
        var scalar = first
        if first >= 0xD800 && first <= 0xDBFF {
            // A high surrogate must be followed immediately by an escaped low surrogate.
            // Report truncation as such, so that prefixes of valid input stay `.unexpectedEnd`.
            guard index < end else { throw unterminatedString(at: end) }
            guard byte(index) == ASCII.backslash else { throw loneSurrogate(first, at: backslash) }
            guard index + 1 < end else { throw unterminatedString(at: end) }
            guard byte(index + 1) == ASCII.lowerU else { throw loneSurrogate(first, at: backslash) }
            let second = try readHex4(at: index + 2)
            guard second >= 0xDC00 && second <= 0xDFFF else { throw loneSurrogate(first, at: backslash) }
            scalar = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            index += 6
        } else if first >= 0xDC00 && first <= 0xDFFF {
            throw loneSurrogate(first, at: backslash)
        }
        appendUTF8(scalar)
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            unescaped.append(UInt8(scalar))
        case 0x80..<0x800:
            unescaped.append(UInt8(0xC0 | (scalar >> 6)))
            unescaped.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            unescaped.append(UInt8(0xE0 | (scalar >> 12)))
            unescaped.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            unescaped.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            unescaped.append(UInt8(0xF0 | (scalar >> 18)))
            unescaped.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            unescaped.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            unescaped.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Reads four hex digits at `offset`.
    @inline(__always)
    mutating func readHex4(at offset: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for position in offset..<(offset + 4) {
            guard position < end else { throw unterminatedString(at: end) }
            let digit = byte(position)
            let nibble: UInt8
            switch digit {
            case ASCII.zero...ASCII.nine: nibble = digit - ASCII.zero
            case 0x41...0x46: nibble = digit - 0x41 + 10  // A-F
            case 0x61...0x66: nibble = digit - 0x61 + 10  // a-f
            default:
                throw error(
                    .invalidEscape, at: position,
                    "expected a hex digit in \\u escape, found \(describe(at: position))"
                )
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    /// Validates the UTF-8 sequence whose lead byte (>= 0x80) is at `offset` and returns its
    /// length. Follows Unicode's table of well-formed sequences, so overlong forms,
    /// surrogates and code points above U+10FFFF are all rejected.
    @inline(__always)
    mutating func validateUTF8Sequence(at offset: Int) throws(JSONParseError) -> Int {
        switch utf8SequenceLength(input, at: offset) {
        case .valid(let length):
            return length
        case .truncated:
            throw unterminatedString(at: end)
        case .invalid:
            throw error(
                .invalidUTF8, at: offset,
                "invalid UTF-8 sequence starting with byte \(hexByte(byte(offset))) in string"
            )
        }
    }

    @inline(__always)
    mutating func checkStringLength(_ length: Int, at opening: Int) throws(JSONParseError) {
        if let limit = limits.maxStringBytes, length > limit {
            throw error(
                .stringTooLong(limit: limit), at: opening,
                "string of \(length) bytes exceeds the limit of \(limit) bytes"
            )
        }
    }
}

/// Makes a String from bytes the parser has already validated as UTF-8.
///
/// Unlike `String(decoding:as:)`, this initializer skips the standard library's own
/// validation pass for short ASCII strings (keys, power states, numbers-as-strings), which
/// are most strings in xenops traffic.
@inline(__always)
fileprivate func makeString(_ bytes: UnsafePointer<UInt8>, count: Int) -> String {
    guard count > 0 else { return "" }
    return String(unsafeUninitializedCapacity: count) { buffer in
        buffer.baseAddress.unsafelyUnwrapped.initialize(from: bytes, count: count)
        return count
    }
}

/// Outcome of checking one UTF-8 sequence.
enum UTF8SequenceCheck {
    case valid(Int)
    /// The input ends inside an otherwise well-formed prefix.
    case truncated
    case invalid
}

/// Checks the UTF-8 sequence whose lead byte is at `offset` against Unicode's table of
/// well-formed byte sequences (Table 3-7).
@inline(__always)
func utf8SequenceLength(_ input: UnsafeBufferPointer<UInt8>, at offset: Int) -> UTF8SequenceCheck {
    let lead = input[offset]
    let continuationCount: Int
    var secondLow: UInt8 = 0x80
    var secondHigh: UInt8 = 0xBF
    switch lead {
    case 0x00...0x7F: return .valid(1)
    case 0xC2...0xDF: continuationCount = 1
    case 0xE0: continuationCount = 2; secondLow = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: continuationCount = 2
    case 0xED: continuationCount = 2; secondHigh = 0x9F  // excludes UTF-16 surrogates
    case 0xF0: continuationCount = 3; secondLow = 0x90
    case 0xF1...0xF3: continuationCount = 3
    case 0xF4: continuationCount = 3; secondHigh = 0x8F  // nothing above U+10FFFF
    default: return .invalid  // continuation bytes, overlong C0/C1, F5...FF
    }
    for position in (offset + 1)...(offset + continuationCount) {
        guard position < input.count else { return .truncated }
        let next = input[position]
        let low = position == offset + 1 ? secondLow : 0x80
        let high = position == offset + 1 ? secondHigh : 0xBF
        guard next >= low && next <= high else { return .invalid }
    }
    return .valid(continuationCount + 1)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONValue {
    /// The compact JSON text of this value as UTF-8 bytes; see `serialize(into:)`.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
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
        var writer = JSONByteWriter(capacity: 1024)
        writer.write(self)
        writer.append(to: &output)
    }

    /// The compact JSON text of this value; see `serialize(into:)`.
    public var jsonString: String {
        var writer = JSONByteWriter(capacity: 1024)
        writer.write(self)
        return writer.makeString()
    }
}

/// Allocates `capacity` uninitialized elements with `malloc`.
///
/// `UnsafeMutablePointer.allocate` takes the runtime's aligned-allocation path
/// (posix_memalign on Linux), which cost about twice as much as `malloc` for these
/// short-lived per-request buffers; `malloc`'s alignment suffices for every element here.
@inline(__always)
private func mallocBuffer<Element>(of type: Element.Type, capacity: Int) -> UnsafeMutablePointer<Element> {
    precondition(MemoryLayout<Element>.alignment <= 16)
    guard let raw = malloc(max(1, capacity) * MemoryLayout<Element>.stride) else {
        fatalError("out of memory allocating a JSON buffer")
    }
    return raw.bindMemory(to: Element.self, capacity: capacity)
}

/// Writes JSON into raw, geometrically grown memory.
///
/// Appending byte by byte to an `Array` pays a capacity and uniqueness check per byte;
/// here each token reserves its worst case once and then stores without checks, and the
/// finished text is copied out in one go.
private struct JSONByteWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0

    init(capacity: Int) {
        base = mallocBuffer(of: UInt8.self, capacity: capacity)
        self.capacity = capacity
    }

    deinit {
        free(base)
    }

    mutating func append(to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }

    mutating func makeString() -> String {
        // The writer only ever emits well-formed UTF-8 (it copies String contents and ASCII).
        let (start, length) = (base, count)
        return String(unsafeUninitializedCapacity: length) { buffer in
            guard length > 0 else { return 0 }
            buffer.baseAddress.unsafelyUnwrapped.initialize(from: start, count: length)
            return length
        }
    }

    /// Makes room for `needed` more bytes.
    @inline(__always)
    private mutating func reserve(_ needed: Int) {
        if capacity - count < needed { grow(needed) }
    }

    @inline(never)
    private mutating func grow(_ needed: Int) {
        let newCapacity = max(capacity * 2, count + needed)
        let newBase = mallocBuffer(of: UInt8.self, capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        free(base)
        base = newBase
        capacity = newCapacity
    }

    /// Stores a byte; room was reserved.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        base[count] = byte
        count &+= 1
    }

    @inline(__always)
    private mutating func writeLiteral(_ text: StaticString) {
        let length = text.utf8CodeUnitCount
        reserve(length)
        (base + count).initialize(from: text.utf8Start, count: length)
        count &+= length
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            writeLiteral("null")
        case .bool(let flag):
            writeLiteral(flag ? "true" : "false")
        case .int(let integer):
            writeInteger(integer)
        case .double(let double):
            writeDouble(double)
        case .string(let string):
            writeString(string)
        case .array(let elements):
            reserve(1)
            put(0x5B)  // [
            elements.withUnsafeBufferPointer { elements in
                for index in elements.indices {
                    if index > 0 {
                        reserve(1)
                        put(0x2C)  // ,
                    }
                    write(elements[index])
                }
            }
            reserve(1)
            put(0x5D)  // ]
        case .object(let members):
            reserve(1)
            put(0x7B)  // {
            members.withUnsafeBufferPointer { members in
                for index in members.indices {
                    if index > 0 {
                        reserve(1)
                        put(0x2C)  // ,
                    }
                    writeString(members[index].key)
                    reserve(1)
                    put(0x3A)  // :
                    write(members[index].value)
                }
            }
            reserve(1)
            put(0x7D)  // }
        }
    }

    private mutating func writeInteger(_ integer: Int64) {
        // magnitude covers Int64.min, whose negation does not fit Int64.
        var remaining = integer.magnitude
        var digits = 1
        var probe = remaining
        while probe >= 10 {
            probe /= 10
            digits &+= 1
        }
        reserve(digits + 1)
        if integer < 0 { put(0x2D) }  // -
        // Fill the digits from the least significant end.
        var position = count &+ digits
        count = position
        repeat {
            position &-= 1
            base[position] = UInt8(truncatingIfNeeded: remaining % 10) &+ 0x30
            remaining /= 10
        } while remaining != 0
    }

    private mutating func writeDouble(_ double: Double) {
        guard double.isFinite else {
            writeLiteral("null")
            return
        }
        // `description` is the shortest text that reads back as the same Double.
        var text = double.description
        text.withUTF8 { utf8 in
            reserve(utf8.count + 2)
            var hasFractionOrExponent = false
            for byte in utf8 {
                if byte == 0x2E || byte == 0x65 || byte == 0x45 { hasFractionOrExponent = true }  // . e E
                put(byte)
            }
            // Without it the number would read back as an integer and change kind.
            if !hasFractionOrExponent {
                put(0x2E)  // .
                put(0x30)  // 0
            }
        }
    }

    private mutating func writeString(_ string: String) {
        // Native Swift strings are contiguous UTF-8, so the copy below is the rare case
        // (bridged or lazily-decoded strings).
        if string.utf8.withContiguousStorageIfAvailable({ writeQuoted($0) }) == nil {
            var copy = string
            copy.withUTF8 { writeQuoted($0) }
        }
    }

    private mutating func writeQuoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        let length = utf8.count
        // Worst case: every byte becomes a six-byte \u00XX escape, plus the quotes.
        reserve(length &* 6 &+ 2)
        // Work on locals so the loop keeps them in registers.
        let start = base + count
        var output = start
        output.pointee = 0x22  // "
        output += 1
        if let source = utf8.baseAddress {
            var index = 0
            // Copy eight bytes at a time; the reservation above leaves room for the whole
            // word even when only part of it is kept.
            while index &+ 8 <= length {
                let word = UInt64(littleEndian: UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self))
                UnsafeMutableRawPointer(output).storeBytes(of: word.littleEndian, as: UInt64.self)
                let attention = Self.bytesNeedingEscape(word)
                if attention == 0 {
                    index &+= 8
                    output += 8
                } else {
                    let clean = attention.trailingZeroBitCount &>> 3
                    output += clean
                    output = Self.writeEscape(source[index &+ clean], at: output)
                    index &+= clean &+ 1
                }
            }
            while index < length {
                let byte = source[index]
                if byte < 0x20 || byte == 0x22 || byte == 0x5C {
                    output = Self.writeEscape(byte, at: output)
                } else {
                    output.pointee = byte
                    output += 1
                }
                index &+= 1
            }
        }
        output.pointee = 0x22  // "
        output += 1
        count &+= output - start
    }

    /// High bit set in each byte (first byte lowest) that may be `"`, `\` or below 0x20;
    /// the lowest flagged byte is always a real one (see the parser's twin of this trick).
    /// Non-ASCII bytes are not flagged: they are copied as they are.
    @inline(__always)
    private static func bytesNeedingEscape(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let hasQuote = (quotes &- ones) & ~quotes
        let hasBackslash = (backslashes &- ones) & ~backslashes
        let hasControl = (word &- ones &* 0x20) & ~word
        return (hasQuote | hasBackslash | hasControl) & 0x8080_8080_8080_8080
    }

    /// Writes the escape for `byte` at `output` (room for six bytes was reserved) and
    /// returns the position after it.
    @inline(__always)
    private static func writeEscape(_ byte: UInt8, at output: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        output[0] = 0x5C  // \
        let short: UInt8
        switch byte {
        case 0x22: short = 0x22  // \"
        case 0x5C: short = 0x5C  // \\
        case 0x08: short = 0x62  // \b
        case 0x0C: short = 0x66  // \f
        case 0x0A: short = 0x6E  // \n
        case 0x0D: short = 0x72  // \r
        case 0x09: short = 0x74  // \t
        default:
            // \u00xx for the remaining control characters, lowercase hex.
            let low = byte & 0x0F
            output[1] = 0x75  // u
            output[2] = 0x30
            output[3] = 0x30
            output[4] = (byte >> 4) &+ 0x30  // 0 or 1
            output[5] = low < 10 ? low &+ 0x30 : low &+ 0x57
            return output + 6
        }
        output[1] = short
        return output + 2
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounds the parser enforces, so that one hostile or broken peer cannot make the daemon
/// spend unbounded memory or time on a single request.
public struct JSONLimits: Sendable, Equatable, Hashable {
    /// The deepest nesting of arrays and objects accepted. `[]` has depth 1, `[[]]` depth 2,
    /// a bare scalar depth 0. The parser never recurses, so any value is safe for parsing
    /// itself; keep it modest anyway because `JSONValue`'s own equality, hashing,
    /// serialization and deallocation recurse once per level.
    public var maxDepth: Int
    /// The largest input accepted, in bytes, checked before any work is done.
    public var maxBytes: Int
    /// The longest decoded string (object keys included) accepted, in UTF-8 bytes; nil means
    /// only `maxBytes` bounds strings.
    public var maxStringBytes: Int?

    /// Creates limits; the defaults are those of `JSONLimits.default`.
    public init(maxDepth: Int = 64, maxBytes: Int = 16 * 1024 * 1024, maxStringBytes: Int? = nil) {
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
        self.maxStringBytes = maxStringBytes
    }

    /// Depth 64, 16 MiB, strings bounded by the input size only. Xenops requests nest a
    /// handful of levels and are far below a megabyte, so these only stop abuse.
    public static let `default` = JSONLimits()
}

extension JSONValue {
    /// Parses one JSON document (RFC 8259, strictly).
    ///
    /// - Integers without fraction or exponent that fit `Int64` become `.int`; every other
    ///   number (a fraction, an exponent, or an integer outside `Int64`) becomes `.double`,
    ///   correctly rounded. `-0` is the integer 0; `-0.0` is `.double(-0.0)`. A number whose
    ///   magnitude overflows `Double` is rejected, since it has no faithful value.
    /// - Strings must be well-formed UTF-8 with control characters escaped; every escape,
    ///   including `\uXXXX` surrogate pairs, is decoded. Unpaired surrogates are rejected
    ///   (`.loneSurrogate`), never replaced.
    /// - Duplicate object keys are kept, in document order, as separate members; lookups
    ///   through `JSONValue.subscript(key:)` see the first one.
    /// - Only whitespace may follow the value. A byte-order mark is not whitespace.
    /// - Nesting is handled with an explicit stack, not recursion, so even a million
    ///   opening brackets fail cleanly with `.tooDeep`.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        limits: JSONLimits = .default
    ) throws(JSONParseError) -> JSONValue {
        let input = UnsafeBufferPointer(
            start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
            count: bytes.count
        )
        guard input.count <= limits.maxBytes else {
            throw JSONParseError(
                kind: .tooLarge(limit: limits.maxBytes), offset: 0, line: 1, column: 1,
                detail: "JSON document of \(input.count) bytes exceeds the limit of \(limits.maxBytes) bytes"
            )
        }
        var parser = JSONParser(input: input, limits: limits)
        return try parser.parseDocument()
    }

    /// Parses one JSON document from a byte array; see `parse(_:limits:)` for the rules.
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .default) throws(JSONParseError) -> JSONValue {
        // Result carries the typed error through the rethrowing closure API.
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, limits: limits) }
        }.get()
    }

    /// Parses one JSON document from a byte slice; see `parse(_:limits:)` for the rules.
    public static func parse(_ bytes: ArraySlice<UInt8>, limits: JSONLimits = .default) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, limits: limits) }
        }.get()
    }

    /// Parses one JSON document from the UTF-8 of a string; see `parse(_:limits:)`.
    public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONParseError) -> JSONValue {
        var text = text  // withUTF8 is mutating because it may make the storage contiguous.
        return try text.withUTF8 { utf8 in
            Result { () throws(JSONParseError) -> JSONValue in try parse(UnsafeRawBufferPointer(utf8), limits: limits) }
        }.get()
    }

    /// Parses one JSON document from the UTF-8 of a substring; see `parse(_:limits:)`.
    public static func parse(_ text: Substring, limits: JSONLimits = .default) throws(JSONParseError) -> JSONValue {
        var text = text
        return try text.withUTF8 { utf8 in
            Result { () throws(JSONParseError) -> JSONValue in try parse(UnsafeRawBufferPointer(utf8), limits: limits) }
        }.get()
    }

    /// Parses one JSON document from any collection of bytes (for example Foundation's
    /// `Data`, without this file depending on Foundation); see `parse(_:limits:)`.
    /// Contiguous collections are read in place, others are copied once.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONParseError) -> JSONValue {
        let inPlace = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(UnsafeRawBufferPointer(buffer), limits: limits) }
        }
        if let inPlace { return try inPlace.get() }
        return try parse(Array(bytes), limits: limits)
    }
}

// MARK: - The parser proper

/// ASCII bytes the grammar names. Spelled out once so the hot loops read like the RFC.
private enum ASCII {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let upperE: UInt8 = 0x45
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowerB: UInt8 = 0x62
    static let lowerE: UInt8 = 0x65
    static let lowerF: UInt8 = 0x66
    static let lowerN: UInt8 = 0x6E
    static let lowerR: UInt8 = 0x72
    static let lowerT: UInt8 = 0x74
    static let lowerU: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
}

/// Exact powers of ten representable in a Double; indexes 0...22 (Clinger's fast path).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

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

/// One open array or object on the explicit stack.
private struct Frame {
    /// Index in `JSONParser.elements` (arrays) or `JSONParser.members` (objects) where this
    /// container's children start.
    var start: Int
    var isObject: Bool
}

/// A growable stack over manually managed storage.
///
/// It exists so that closing a container can *move* its children into the container's
/// array (a bitwise copy) instead of copying them out of an `Array` slice and then
/// destroying the originals, which costs a retain and a release per child.
private struct ScratchStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        base = mallocBuffer(of: Element.self, capacity: capacity)
        self.capacity = capacity
    }

    deinit {
        // Only an error leaves elements behind.
        base.deinitialize(count: count)
        free(base)
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    @inline(__always)
    mutating func pop() -> Element {
        count -= 1
        return (base + count).move()
    }

    /// The top element; the stack is not empty.
    @inline(__always)
    var top: Element { base[count - 1] }

    /// Moves the elements from `start` to the top into a new, exactly sized array.
    mutating func popArray(from start: Int) -> [Element] {
        let moved = count - start
        var result: [Element] = []
        // reserveCapacity + append is measurably cheaper than Array(unsafeUninitializedCapacity:),
        // whose allocation goes through an unspecialized runtime metadata lookup on Linux.
        result.reserveCapacity(moved)
        for offset in start..<count {
            result.append((base + offset).move())
        }
        count = start
        return result
    }

    @inline(never)
    private mutating func grow() {
        let newCapacity = capacity * 2
        let newBase = mallocBuffer(of: Element.self, capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        free(base)
        base = newBase
        capacity = newCapacity
    }
}

/// A single-use, non-recursive JSON parser over a borrowed buffer.
///
/// Children of all open containers live in shared scratch stacks; closing a container
/// moves its children into one exactly sized array. That keeps allocation at one array per
/// container (plus strings that do not fit inline) instead of repeated regrowth.
private struct JSONParser: ~Copyable {
    let input: UnsafeBufferPointer<UInt8>
    let limits: JSONLimits
    /// Next byte to read.
    var index = 0
    var frames = ScratchStack<Frame>(capacity: 16)
    /// Finished elements of the open arrays.
    var elements = ScratchStack<JSONValue>(capacity: 32)
    /// Finished members of the open objects.
    var members = ScratchStack<JSONMember>(capacity: 32)
    /// For each open object, the key whose value is being parsed.
    var keys = ScratchStack<String>(capacity: 16)
    /// Decoding buffer for strings that contain escapes.
    var unescaped: [UInt8] = []

    init(input: UnsafeBufferPointer<UInt8>, limits: JSONLimits) {
        self.input = input
        self.limits = limits
    }

    var end: Int { input.count }

    /// The byte at `offset`; callers have checked `offset < end`. Unchecked because this
    /// is the innermost operation of every loop.
    @inline(__always)
    func byte(_ offset: Int) -> UInt8 {
        input.baseAddress.unsafelyUnwrapped[offset]
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- ASCII.zero < 10
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < end {
            let current = byte(index)
            guard current == ASCII.space || current == ASCII.newline
                || current == ASCII.carriageReturn || current == ASCII.tab
            else { return }
            index += 1
        }
    }

    // MARK: Document structure

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        parseValue: while true {
            skipWhitespace()
            guard index < end else { throw unexpected("expected a JSON value", at: index) }
            var value: JSONValue
            switch byte(index) {
            case ASCII.openBrace:
                try open(isObject: true)
                skipWhitespace()
                if index < end && byte(index) == ASCII.closeBrace {
                    index += 1
                    _ = frames.pop()
                    value = .object([])
                } else {
                    try parseMemberKey(expected: "expected a string key or '}' after '{'")
                    continue parseValue
                }
            case ASCII.openBracket:
                try open(isObject: false)
                skipWhitespace()
                if index < end && byte(index) == ASCII.closeBracket {
                    index += 1
                    _ = frames.pop()
                    value = .array([])
                } else {
                    continue parseValue
                }
            case ASCII.quote:
                value = .string(try parseString())
            case ASCII.lowerT:
                try parseLiteral("true")
                value = .bool(true)
            case ASCII.lowerF:
                try parseLiteral("false")
                value = .bool(false)
            case ASCII.lowerN:
                try parseLiteral("null")
                value = .null
            case ASCII.minus, ASCII.zero...ASCII.nine:
                value = try parseNumber()
            default:
                throw unexpected("expected a JSON value", at: index)
            }

            // Hand the finished value to its container; closing a container finishes
            // another value, so this loops until a ',' asks for a new value or the
            // document is complete.
            while frames.count > 0 {
                let top = frames.top
                // `consume` hands the value over without a retain/release pair.
                if top.isObject {
                    members.push(JSONMember(keys.pop(), consume value))
                } else {
                    elements.push(consume value)
                }
                skipWhitespace()
                guard index < end else {
                    throw unexpected(
                        top.isObject ? "expected ',' or '}' after object member" : "expected ',' or ']' after array element",
                        at: index
                    )
                }
                let separator = byte(index)
                if separator == ASCII.comma {
                    index += 1
                    if top.isObject {
                        skipWhitespace()
                        try parseMemberKey(expected: "expected a string key after ',' in object")
                    }
                    continue parseValue
                }
                if top.isObject && separator == ASCII.closeBrace {
                    index += 1
                    value = .object(members.popArray(from: top.start))
                } else if !top.isObject && separator == ASCII.closeBracket {
                    index += 1
                    value = .array(elements.popArray(from: top.start))
                } else {
                    throw unexpected(
                        top.isObject ? "expected ',' or '}' after object member" : "expected ',' or ']' after array element",
                        at: index
                    )
                }
                _ = frames.pop()
            }

            skipWhitespace()
            guard index == end else {
                throw error(
                    .trailingData, at: index,
                    "expected end of input after the JSON value, found \(describe(at: index))"
                )
            }
            return value
        }
    }

    /// Consumes an opening bracket or brace and pushes its frame, enforcing the depth limit.
    @inline(__always)
    mutating func open(isObject: Bool) throws(JSONParseError) {
        guard frames.count < limits.maxDepth else {
            throw error(
                .tooDeep(limit: limits.maxDepth), at: index,
                "nesting depth exceeds the limit of \(limits.maxDepth)"
            )
        }
        frames.push(Frame(start: isObject ? members.count : elements.count, isObject: isObject))
        index += 1
    }

    /// Reads `"key" :` (whitespace already skipped before the key) and remembers the key
    /// until the main loop has the member's value.
    mutating func parseMemberKey(expected: String) throws(JSONParseError) {
        guard index < end && byte(index) == ASCII.quote else { throw unexpected(expected, at: index) }
        let key = try parseString()
        skipWhitespace()
        guard index < end && byte(index) == ASCII.colon else {
            throw unexpected("expected ':' after object key", at: index)
        }
        index += 1
        keys.push(key)
    }

    mutating func parseLiteral(_ literal: StaticString) throws(JSONParseError) {
        let text = literal.utf8Start
        // The first byte was matched by the caller's switch.
        for offset in 1..<literal.utf8CodeUnitCount {
            let position = index + offset
            guard position < end && byte(position) == text[offset] else {
                throw unexpected("expected '\(literal)'", at: position)
            }
        }
        index += literal.utf8CodeUnitCount
    }

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

    // MARK: Numbers

    /// Parses a number starting at `index` ('-' or a digit).
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        let negative = byte(index) == ASCII.minus
        if negative { index += 1 }

        // Up to 19 significant digits are accumulated exactly (19 nines fit in UInt64);
        // longer numbers go to the slow, correctly rounded path.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var tooManyDigits = false
        var exponent = 0

        guard index < end else { throw unexpected("expected a digit after '-'", at: index) }
        let firstDigit = byte(index)
        if firstDigit == ASCII.zero {
            index += 1
            if index < end && Self.isDigit(byte(index)) {
                throw error(.invalidNumber, at: index, "leading zeros are not allowed in numbers")
            }
        } else if Self.isDigit(firstDigit) {
            repeat {
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte(index) &- ASCII.zero)
                    significantDigits += 1
                } else {
                    tooManyDigits = true
                }
                index += 1
            } while index < end && Self.isDigit(byte(index))
        } else {
            throw error(.invalidNumber, at: index, "expected a digit after '-', found \(describe(at: index))")
        }

        var isInteger = true
        if index < end && byte(index) == ASCII.dot {
            isInteger = false
            index += 1
            guard index < end else { throw unexpected("expected a digit after the decimal point", at: index) }
            guard Self.isDigit(byte(index)) else {
                throw error(
                    .invalidNumber, at: index,
                    "expected a digit after the decimal point, found \(describe(at: index))"
                )
            }
            repeat {
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(byte(index) &- ASCII.zero)
                    // Leading zeros of a fraction (0.000x) are not significant.
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                } else {
                    tooManyDigits = true
                }
                index += 1
            } while index < end && Self.isDigit(byte(index))
        }

        if index < end && (byte(index) == ASCII.lowerE || byte(index) == ASCII.upperE) {
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < end && (byte(index) == ASCII.plus || byte(index) == ASCII.minus) {
                exponentNegative = byte(index) == ASCII.minus
                index += 1
            }
            guard index < end else { throw unexpected("expected a digit in the exponent", at: index) }
            guard Self.isDigit(byte(index)) else {
                throw error(
                    .invalidNumber, at: index,
                    "expected a digit in the exponent, found \(describe(at: index))"
                )
            }
            var explicitExponent = 0
            repeat {
                // Saturate: anything this large is 0 or out of range, decided by the slow path.
                if explicitExponent < 100_000 {
                    explicitExponent = explicitExponent * 10 + Int(byte(index) &- ASCII.zero)
                }
                index += 1
            } while index < end && Self.isDigit(byte(index))
            exponent += exponentNegative ? -explicitExponent : explicitExponent
        }

        if isInteger && !tooManyDigits {
            if !negative && mantissa <= UInt64(Int64.max) {
                return .int(Int64(mantissa))
            }
            if negative && mantissa <= UInt64(Int64.max) + 1 {
                // -0 is the integer 0: an integer has no negative zero.
                return .int(mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa))
            }
        }

        var result: Double
        if !tooManyDigits && exponent == 0 {
            // A single conversion of an exact integer: correctly rounded by the hardware.
            result = Double(mantissa)
        } else if !tooManyDigits && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            // Clinger's fast path: both operands are exact, so one rounding is the only one.
            let scale = exactPowersOfTen[exponent < 0 ? -exponent : exponent]
            result = exponent < 0 ? Double(mantissa) / scale : Double(mantissa) * scale
        } else {
            // Rare (more than 19 digits, or extreme exponents): the standard library's
            // conversion is correctly rounded and locale-independent.
            let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<index]), as: UTF8.self)
            guard let converted = Double(text) else {
                throw error(.invalidNumber, at: start, "number is not representable")
            }
            result = converted.magnitude
        }
        guard result.isFinite else {
            throw error(.invalidNumber, at: start, "number is out of the range of a 64-bit float")
        }
        return .double(negative ? -result : result)
    }

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

/// Makes a String from bytes the parser has already validated as UTF-8.
///
/// Unlike `String(decoding:as:)`, this initializer skips the standard library's own
/// validation pass for short ASCII strings (keys, power states, numbers-as-strings), which
/// are most strings in xenops traffic.
@inline(__always)
private func makeString(_ bytes: UnsafePointer<UInt8>, count: Int) -> String {
    guard count > 0 else { return "" }
    return String(unsafeUninitializedCapacity: count) { buffer in
        buffer.baseAddress.unsafelyUnwrapped.initialize(from: bytes, count: count)
        return count
    }
}

/// Outcome of checking one UTF-8 sequence.
private enum UTF8SequenceCheck {
    case valid(Int)
    /// The input ends inside an otherwise well-formed prefix.
    case truncated
    case invalid
}

/// Checks the UTF-8 sequence whose lead byte is at `offset` against Unicode's table of
/// well-formed byte sequences (Table 3-7).
@inline(__always)
private func utf8SequenceLength(_ input: UnsafeBufferPointer<UInt8>, at offset: Int) -> UTF8SequenceCheck {
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

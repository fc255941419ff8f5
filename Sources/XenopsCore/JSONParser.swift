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
enum ASCII {
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
struct Frame {
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
struct ScratchStack<Element>: ~Copyable {
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
struct JSONParser: ~Copyable {
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
}

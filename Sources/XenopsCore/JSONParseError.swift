/// Why a byte sequence is not an acceptable JSON document, and where.
///
/// The parser reports the first problem only: a JSON-RPC peer that sends one malformed
/// byte gets one precise message, which is what an operator reading a log needs.
///
/// `offset` is the 0-based byte offset of the offending byte (for an `.unexpectedEnd`,
/// the length of the input). `line` and `column` are 1-based; the column counts Unicode
/// scalars, not bytes, so that it matches what an editor shows for UTF-8 text (a tab
/// counts as one column; after invalid UTF-8 the count is only approximate).
///
/// `.unexpectedEnd` is reported exactly when the input is a proper prefix of some valid
/// document (it could still be completed), so a caller reading from a stream can tell
/// "truncated" from "wrong".
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The class of problem, for callers that react to it programmatically
    /// (JSON-RPC maps every kind to "parse error", -32700, but logs and tests differ).
    public enum Kind: Equatable, Hashable, Sendable {
        /// The input ended where more was required.
        case unexpectedEnd
        /// A byte that cannot start or continue the expected construct (outside strings).
        case unexpectedCharacter(UInt8)
        /// A number that breaks the RFC 8259 grammar (leading zero, `1.`, `-`, `1e`),
        /// or whose magnitude does not fit a 64-bit float.
        case invalidNumber
        /// A backslash escape that JSON does not define, or a bad hex digit in `\uXXXX`.
        case invalidEscape
        /// A `\uXXXX` escape naming a UTF-16 surrogate that is not part of a valid pair.
        /// Rejected rather than replaced by U+FFFD: xenops strings are names and paths,
        /// and silently changing them is worse than refusing the request.
        case loneSurrogate
        /// A string contains bytes that are not well-formed UTF-8.
        case invalidUTF8
        /// A raw byte below 0x20 inside a string; RFC 8259 requires it to be escaped.
        case controlCharacterInString(UInt8)
        /// Containers nest deeper than `JSONLimits.maxDepth`.
        case tooDeep(limit: Int)
        /// The input is longer than `JSONLimits.maxBytes`.
        case tooLarge(limit: Int)
        /// A decoded string is longer (in UTF-8 bytes) than `JSONLimits.maxStringBytes`.
        case stringTooLong(limit: Int)
        /// Something other than whitespace follows the top-level value.
        case trailingData
    }

    /// The class of problem.
    public var kind: Kind
    /// 0-based byte offset of the problem in the input.
    public var offset: Int
    /// 1-based line of the problem (lines are separated by LF).
    public var line: Int
    /// 1-based column of the problem, in Unicode scalars from the start of the line.
    public var column: Int
    /// What was expected and what was found, without the location,
    /// e.g. "expected ',' or '}' after object member, found 'x'".
    public var detail: String

    /// Creates an error from already known parts (for callers that re-wrap errors).
    public init(kind: Kind, offset: Int, line: Int, column: Int, detail: String) {
        self.kind = kind
        self.offset = offset
        self.line = line
        self.column = column
        self.detail = detail
    }

    /// Creates an error, computing line and column from the input. Only the error path
    /// pays for this scan, so the parser does not track lines while it runs.
    init(kind: Kind, offset: Int, detail: String, input: UnsafeBufferPointer<UInt8>) {
        var line = 1
        var column = 1
        var index = 0
        let stop = min(offset, input.count)
        while index < stop {
            let byte = input[index]
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                // Continuation bytes do not start a new scalar.
                column += 1
            }
            index += 1
        }
        self.init(kind: kind, offset: offset, line: line, column: column, detail: detail)
    }

    /// A sentence a human understands, e.g.
    /// "malformed JSON at line 1, column 17: expected ',' or '}' after object member, found 'x'".
    public var description: String {
        if case .tooLarge = kind {
            // The location of a size violation is meaningless; the sizes are what matter.
            return detail
        }
        return "malformed JSON at line \(line), column \(column): \(detail)"
    }
}

import Foundation
import Testing
import XenopsCore

/// The error a parse throws, or nil when it succeeds; lets tests assert on the error's parts.
private func parseError(_ text: String, limits: JSONLimits = .default) -> JSONParseError? {
    parseError(Array(text.utf8), limits: limits)
}

private func parseError(_ bytes: [UInt8], limits: JSONLimits = .default) -> JSONParseError? {
    do {
        _ = try JSONValue.parse(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// A string that must be quoted on the wire, as parsed.
private func parsedString(_ json: String) throws -> String? {
    try JSONValue.parse(json).stringValue
}

// MARK: - Literals and structure

@Suite struct JSONParserStructureTests {
    @Test(arguments: [
        ("null", JSONValue.null),
        ("true", .bool(true)),
        ("false", .bool(false)),
        ("\"\"", .string("")),
        ("[]", .array([])),
        ("{}", .object([])),
        (" \t\r\n null \t\r\n", .null),
        ("[null,true,false]", .array([.null, .bool(true), .bool(false)])),
        ("[ 1 , [ ] , { } ]", .array([.int(1), .array([]), .object([])])),
        ("{\"a\":{\"b\":[{}]}}", .object([JSONMember("a", .object([JSONMember("b", .array([.object([])]))]))])),
        ("{ \"k\" : \"v\" , \"n\" : -2 }", .object([JSONMember("k", .string("v")), JSONMember("n", .int(-2))])),
    ])
    func parsesValidDocument(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text).isStrictlyIdentical(to: expected))
    }

    @Test func keepsDuplicateKeysInDocumentOrder() throws {
        let value = try JSONValue.parse(#"{"a":1,"b":2,"a":3}"#)
        let members = try #require(value.objectMembers)
        #expect(members.map(\.key) == ["a", "b", "a"])
        #expect(members.map(\.value) == [.int(1), .int(2), .int(3)])
        // Lookup sees the first occurrence.
        #expect(value["a"] == .int(1))
    }

    @Test(arguments: [
        "", " ", "\n\t",
        "[", "[1", "[1,", "{", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,",
        "\"abc", "\"a\\", "\"\\u00", "t", "tru", "fals", "nul", "-",
    ])
    func truncatedInputIsUnexpectedEnd(text: String) {
        let error = parseError(text)
        #expect(error?.kind == .unexpectedEnd)
        #expect(error?.offset == text.utf8.count)
    }

    @Test(arguments: [
        ("True", UInt8(ascii: "T")), ("nulL", UInt8(ascii: "L")), ("[1 2]", UInt8(ascii: "2")),
        ("[1,]", UInt8(ascii: "]")), ("{\"a\":1,}", UInt8(ascii: "}")), ("{\"a\" 1}", UInt8(ascii: "1")),
        ("{1:2}", UInt8(ascii: "1")), ("{'a':1}", UInt8(ascii: "'")), ("[,1]", UInt8(ascii: ",")),
        ("{\"a\":1]", UInt8(ascii: "]")), ("[1}", UInt8(ascii: "}")), ("undefined", UInt8(ascii: "u")),
        ("NaN", UInt8(ascii: "N")), ("Infinity", UInt8(ascii: "I")), ("'x'", UInt8(ascii: "'")),
        ("\u{0C}1", 0x0C), ("\u{0B}1", 0x0B), ("\u{A0}1", 0xC2), ("\u{FEFF}1", 0xEF),
    ] as [(String, UInt8)])
    func rejectsUnexpectedCharacter(text: String, found: UInt8) {
        #expect(parseError(text)?.kind == .unexpectedCharacter(found))
    }

    @Test(arguments: ["1 2", "{} x", "[]]", "nullx", "truefalse", "\"a\"\"b\"", "1.5.", "0x10", "{}\u{0}", "[] /* */"])
    func rejectsTrailingData(text: String) {
        #expect(parseError(text)?.kind == .trailingData)
    }
}

// MARK: - Strings

@Suite struct JSONParserStringTests {
    @Test(arguments: [
        (#""\"""#, "\""), (#""\\""#, "\\"), (#""\/""#, "/"), (#""\b""#, "\u{08}"), (#""\f""#, "\u{0C}"),
        (#""\n""#, "\n"), (#""\r""#, "\r"), (#""\t""#, "\t"), (#""\u0041""#, "A"), (#""\u00e9""#, "é"),
        (#""\u00E9""#, "é"), (#""\u20AC""#, "€"), (#""\u0000""#, "\u{0}"), (#""\u001F""#, "\u{1F}"),
        (#""\uFFFF""#, "\u{FFFF}"), (#""\uD83D\uDE00""#, "😀"), (#""\ud83d\ude00""#, "😀"),
        (#""\uDBFF\uDFFF""#, "\u{10FFFF}"), (#""\uD800\uDC00""#, "\u{10000}"),
        (#""a\"b\\c\/d\n""#, "a\"b\\c/d\n"), (#""tab\there""#, "tab\there"),
        (#""x\u0041\u00e9\u20ac\ud83d\ude00y""#, "xAé€😀y"),
        ("\"raw é € 😀 \u{10FFFF} \u{7F}\"", "raw é € 😀 \u{10FFFF} \u{7F}"),
        ("\"\u{2028}\u{2029}\"", "\u{2028}\u{2029}"),
        ("\"0123456789abcdef0123456789abcdef\\n\"", "0123456789abcdef0123456789abcdef\n"),
        ("\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\"", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
    ])
    func decodesStringsAndEscapes(json: String, expected: String) throws {
        let decoded = try #require(try parsedString(json))
        // Compare scalars, not Characters: String == is canonical equivalence.
        #expect(Array(decoded.unicodeScalars) == Array(expected.unicodeScalars))
    }

    @Test(arguments: [
        (#""\x""#, 1), (#""\'""#, 1), (#""\U0041""#, 1), (#""\a""#, 1), (#""\0""#, 1),
        (#""\u12G4""#, 5), (#""\u-123""#, 3), (#""\u 123""#, 3), ("\"\\\u{E9}\"", 1),
    ] as [(String, Int)])
    func rejectsInvalidEscapes(json: String, offset: Int) {
        let error = parseError(json)
        #expect(error?.kind == .invalidEscape)
        #expect(error?.offset == offset)
    }

    @Test(arguments: [
        #""\uD800""#, #""\uDBFF""#, #""\uDC00""#, #""\uDFFF""#, #""\uD800x""#, #""\uD800\n""#,
        #""\uD800\u0041""#, #""\uD800\uD800""#, #""\uDE00\uD83D""#, #"["\uD83D"]"#,
    ])
    func rejectsLoneSurrogates(json: String) {
        let error = parseError(json)
        #expect(error?.kind == .loneSurrogate)
        #expect(error?.description.contains("unpaired UTF-16 surrogate") == true)
    }

    @Test(arguments: Array(UInt8(0)...UInt8(0x1F)))
    func rejectsRawControlCharacters(control: UInt8) {
        let document: [UInt8] = [0x22, 0x61, control, 0x62, 0x22]
        let error = parseError(document)
        #expect(error?.kind == .controlCharacterInString(control))
        #expect(error?.offset == 2)
    }

    @Test func rejectsControlCharacterInKeyAndAfterEscape() {
        #expect(parseError("{\"a\nb\":1}")?.kind == .controlCharacterInString(0x0A))
        #expect(parseError("\"\\n\t\"")?.kind == .controlCharacterInString(0x09))
    }

    @Test func acceptsDeleteCharacterRaw() throws {
        #expect(try parsedString("\"\u{7F}\"") == "\u{7F}")
    }

    @Test(arguments: [
        [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        [0xEF, 0xBF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xC2, 0x80],
    ] as [[UInt8]])
    func acceptsWellFormedUTF8(sequence: [UInt8]) throws {
        for document in [[0x22] + sequence + [0x22], [0x22, 0x5C, 0x6E] + sequence + [0x22]] {
            let decoded = try #require(try JSONValue.parse(document).stringValue)
            #expect(Array(decoded.utf8).suffix(sequence.count) == sequence[...])
        }
    }

    @Test(arguments: [
        [0x80], [0xBF], [0xC0, 0xAF], [0xC1, 0xBF], [0xC3, 0x28], [0xC3, 0x22], [0xE0, 0x80, 0xAF],
        [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xE2, 0x82, 0x28],
        [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
        [0xF5, 0x80, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFE], [0xFF],
    ] as [[UInt8]])
    func rejectsMalformedUTF8(sequence: [UInt8]) {
        // In a plain string, after an escape, and in a key.
        for (document, offset) in [
            ([0x22, 0x61] + sequence + [0x22], 2),
            ([0x22, 0x5C, 0x74] + sequence + [0x22], 3),
            ([0x7B, 0x22] + sequence + Array("\":1}".utf8), 2),
        ] {
            let error = parseError(document)
            #expect(error?.kind == .invalidUTF8)
            #expect(error?.offset == offset)
        }
    }

    @Test func truncatedUTF8AtEndIsUnexpectedEnd() {
        #expect(parseError([0x22, 0xE2, 0x82])?.kind == .unexpectedEnd)
        #expect(parseError([0x22, 0xF0])?.kind == .unexpectedEnd)
    }

    @Test func malformedUTF8OutsideStringsIsUnexpectedCharacter() {
        #expect(parseError([0x5B, 0xFF, 0x5D])?.kind == .unexpectedCharacter(0xFF))
        #expect(parseError([0x31, 0x20, 0xC3])?.kind == .trailingData)
    }

    @Test func longStringsCrossTheWordAtATimeScanner() throws {
        // Every position of a special byte relative to the 8-byte scan must be found.
        for length in 0..<40 {
            for special in ["\\n", "é", "\""] {
                let prefix = String(repeating: "x", count: length)
                let json = special == "\"" ? "\"\(prefix)\"" : "\"\(prefix)\(special)yz\""
                let expected = special == "\"" ? prefix : prefix + (special == "\\n" ? "\n" : special) + "yz"
                #expect(try parsedString(json) == expected)
            }
            let withControl = Array("\"\(String(repeating: "x", count: length))".utf8) + [0x01, 0x22]
            #expect(parseError(withControl)?.kind == .controlCharacterInString(0x01))
            let withBadByte = Array("\"\(String(repeating: "x", count: length))".utf8) + [0xFF, 0x22]
            #expect(parseError(withBadByte)?.offset == length + 1)
        }
    }
}

// MARK: - Numbers

@Suite struct JSONParserNumberTests {
    @Test(arguments: [
        ("0", Int64(0)), ("-0", 0), ("1", 1), ("-1", -1), ("42", 42), ("1234567890", 1_234_567_890),
        ("9223372036854775807", .max), ("-9223372036854775808", .min),
        ("9223372036854775806", .max - 1), ("-9223372036854775807", .min + 1),
        ("9007199254740993", 9_007_199_254_740_993), ("4294967296", 4_294_967_296),
    ] as [(String, Int64)])
    func integersThatFitInt64AreInts(text: String, expected: Int64) throws {
        let value = try JSONValue.parse(text)
        guard case .int(let parsed) = value else {
            Issue.record("\(text) parsed as \(value.kindName)")
            return
        }
        #expect(parsed == expected)
    }

    @Test(arguments: [
        // Integers outside Int64 become doubles, correctly rounded.
        ("9223372036854775808", "9223372036854775808"),
        ("-9223372036854775809", "-9223372036854775809"),
        ("18446744073709551615", "18446744073709551615"),
        ("18446744073709551616", "18446744073709551616"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        // Fractions and exponents are always doubles.
        ("0.0", "0.0"), ("-0.0", "-0.0"), ("-0e0", "-0.0"), ("1.0", "1.0"), ("1.5", "1.5"), ("-1.5", "-1.5"),
        ("3.71", "3.71"), ("1718000000.25", "1718000000.25"), ("0.1", "0.1"), ("0.000001", "0.000001"),
        ("1e2", "100"), ("1E2", "100"), ("1e+2", "100"), ("1e-2", "0.01"), ("1.5e1", "15"),
        ("123.456e-7", "123.456e-7"), ("1e22", "1e22"), ("1e23", "1e23"), ("1e-22", "1e-22"),
        ("1e-23", "1e-23"), ("2.2250738585072014e-308", "2.2250738585072014e-308"),
        ("2.2250738585072011e-308", "2.2250738585072011e-308"),
        ("4.9406564584124654e-324", "4.9406564584124654e-324"), ("1e-400", "0"), ("-1e-400", "-0.0"),
        ("1.7976931348623157e308", "1.7976931348623157e308"), ("100000000000000000000000000000e-10", "1e19"),
        ("0.30000000000000004", "0.30000000000000004"), ("9007199254740993.0", "9007199254740993"),
        ("1.00000000000000011102230246251565404236316680908203125", "1"),
        ("1.00000000000000011102230246251565404236316680908203126", "1.0000000000000002"),
        ("0.00000000000000000000000000000000000000000000001", "1e-47"),
        ("1e0000000000000000000000000000000000000001", "10"), ("0e99999999999999", "0"),
    ] as [(String, String)])
    func otherNumbersAreCorrectlyRoundedDoubles(text: String, reference: String) throws {
        let value = try JSONValue.parse(text)
        guard case .double(let parsed) = value else {
            Issue.record("\(text) parsed as \(value.kindName)")
            return
        }
        // The standard library's text conversion is the correctly rounded reference.
        let expected = try #require(Double(reference))
        #expect(parsed.bitPattern == expected.bitPattern, "\(text) -> \(parsed), expected \(expected)")
    }

    @Test func negativeZeroKeepsItsSignOnlyAsADouble() throws {
        #expect(try JSONValue.parse("-0").isStrictlyIdentical(to: .int(0)))
        guard case .double(let zero) = try JSONValue.parse("-0.0") else {
            Issue.record("-0.0 is not a double")
            return
        }
        #expect(zero == 0 && zero.sign == .minus)
    }

    @Test(arguments: [
        ("01", JSONParseError.Kind.invalidNumber, 1), ("-01", .invalidNumber, 2), ("00", .invalidNumber, 1),
        ("0123", .invalidNumber, 1), ("[1.]", .invalidNumber, 3), ("1.e5", .invalidNumber, 2),
        ("1.x", .invalidNumber, 2), ("-a", .invalidNumber, 1), ("--1", .invalidNumber, 1), ("-.5", .invalidNumber, 1),
        ("1ex", .invalidNumber, 2), ("1e+x", .invalidNumber, 3), ("[1e]", .invalidNumber, 3),
        ("1e400", .invalidNumber, 0), ("-1e400", .invalidNumber, 0), ("[1.8e308]", .invalidNumber, 1),
        ("1.", .unexpectedEnd, 2), ("-", .unexpectedEnd, 1), ("1e", .unexpectedEnd, 2), ("1E-", .unexpectedEnd, 3),
        (".5", .unexpectedCharacter(UInt8(ascii: ".")), 0), ("+1", .unexpectedCharacter(UInt8(ascii: "+")), 0),
        ("1_000", .trailingData, 1), ("0x10", .trailingData, 1), ("1.5.", .trailingData, 3),
    ] as [(String, JSONParseError.Kind, Int)])
    func rejectsMalformedNumbers(text: String, kind: JSONParseError.Kind, offset: Int) {
        let error = parseError(text)
        #expect(error?.kind == kind, "\(text)")
        #expect(error?.offset == offset, "\(text)")
    }
}

// MARK: - Limits

@Suite struct JSONParserLimitTests {
    @Test func depthLimitAllowsExactlyMaxDepth() throws {
        let limits = JSONLimits(maxDepth: 64)
        let atLimit = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(parseError(atLimit, limits: limits) == nil)

        let beyond = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let error = try #require(parseError(beyond, limits: limits))
        #expect(error.kind == .tooDeep(limit: 64))
        #expect(error.offset == 64)
        #expect(error.description == "malformed JSON at line 1, column 65: nesting depth exceeds the limit of 64")
    }

    @Test func depthLimitCountsObjectsAndArraysTogether() {
        let limits = JSONLimits(maxDepth: 3)
        #expect(parseError(#"{"a":[{"b":1}]}"#, limits: limits) == nil)
        #expect(parseError(#"{"a":[{"b":[]}]}"#, limits: limits)?.kind == .tooDeep(limit: 3))
        #expect(parseError(#"[{"a":{"b":{}}}]"#, limits: limits)?.kind == .tooDeep(limit: 3))
    }

    @Test func depthZeroAllowsOnlyScalars() {
        let limits = JSONLimits(maxDepth: 0)
        #expect(parseError("\"x\"", limits: limits) == nil)
        #expect(parseError("[]", limits: limits)?.kind == .tooDeep(limit: 0))
        #expect(parseError("{}", limits: limits)?.kind == .tooDeep(limit: 0))
    }

    @Test func millionDeepNestingFailsCleanlyWithDefaultLimits() throws {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        let error = try #require(parseError(deep))
        #expect(error.kind == .tooDeep(limit: 64))
        #expect(error.offset == 64)
        let deepObjects = Array(String(repeating: #"{"a":"#, count: 200_000).utf8)
        #expect(parseError(deepObjects)?.kind == .tooDeep(limit: 64))
    }

    @Test func millionDeepNestingDoesNotRecurseEvenWithoutADepthLimit() {
        // With the limit lifted, the parser keeps all million levels open on its explicit
        // stack and then reports the missing end; a recursive parser would overflow the
        // thread stack long before.
        var deep = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        deep.append(UInt8(ascii: "x"))
        let error = parseError(deep, limits: JSONLimits(maxDepth: .max))
        #expect(error?.kind == .unexpectedCharacter(UInt8(ascii: "x")))
        #expect(error?.offset == 1_000_000)
    }

    @Test func deepButAllowedNestingParses() throws {
        let depth = 1_000
        let text = String(repeating: "[", count: depth) + "7" + String(repeating: "]", count: depth)
        var value = try JSONValue.parse(text, limits: JSONLimits(maxDepth: depth))
        var levels = 0
        while case .array(let elements) = value, elements.count == 1 {
            value = elements[0]
            levels += 1
        }
        #expect(levels == depth)
        #expect(value == .int(7))
    }

    @Test func sizeLimitIsCheckedBeforeParsing() throws {
        let limits = JSONLimits(maxBytes: 10)
        #expect(parseError("[1,2,3,44]", limits: limits) == nil)
        let error = try #require(parseError("[1,2,3,456]", limits: limits))
        #expect(error.kind == .tooLarge(limit: 10))
        #expect(error.description == "JSON document of 11 bytes exceeds the limit of 10 bytes")
        // Even invalid input is refused for its size first.
        #expect(parseError("xxxxxxxxxxxx", limits: limits)?.kind == .tooLarge(limit: 10))
    }

    @Test func defaultSizeLimitIs16MiB() throws {
        #expect(JSONLimits.default.maxBytes == 16 * 1024 * 1024)
        #expect(JSONLimits.default.maxDepth == 64)
        #expect(JSONLimits.default.maxStringBytes == nil)
        var big = [UInt8](repeating: UInt8(ascii: " "), count: 16 * 1024 * 1024 + 1)
        big[0] = UInt8(ascii: "0")
        #expect(parseError(big)?.kind == .tooLarge(limit: 16 * 1024 * 1024))
        big.removeLast()
        #expect(parseError(big) == nil)
    }

    @Test func stringLimitAppliesToDecodedValuesAndKeys() {
        let limits = JSONLimits(maxStringBytes: 5)
        #expect(parseError(#"["abcde","é€"]"#, limits: limits) == nil)
        #expect(parseError(#"["abcdef"]"#, limits: limits)?.kind == .stringTooLong(limit: 5))
        #expect(parseError(#"{"abcdef":1}"#, limits: limits)?.kind == .stringTooLong(limit: 5))
        // Counted after unescaping: six escaped characters decode to six bytes.
        #expect(parseError(#"["\n\n\n\n\n\n"]"#, limits: limits)?.kind == .stringTooLong(limit: 5))
        #expect(parseError(#"["\u0041\u0042\u0043\u0044\u0045"]"#, limits: limits) == nil)
        let error = parseError(#"[1, "abcdef"]"#, limits: limits)
        #expect(error?.offset == 4)
    }
}

// MARK: - Error reporting

@Suite struct JSONParseErrorTests {
    @Test func messageNamesLineColumnExpectationAndFinding() throws {
        let error = try #require(parseError(#"{"result": "ok" x}"#))
        #expect(error.kind == .unexpectedCharacter(UInt8(ascii: "x")))
        #expect(error.offset == 16)
        #expect(error.line == 1)
        #expect(error.column == 17)
        #expect(error.description == "malformed JSON at line 1, column 17: expected ',' or '}' after object member, found 'x'")
    }

    @Test func linesAndColumnsFollowNewlinesAndScalars() throws {
        let multiline = "{\n  \"a\": 1,\n  \"b\": tru\n}"
        let error = try #require(parseError(multiline))
        #expect(error.line == 3)
        #expect(error.column == 11)
        #expect(error.description == "malformed JSON at line 3, column 11: expected 'true', found control character U+000A")

        // Columns count characters, not bytes: "é" is two bytes but one column.
        let accented = try #require(parseError(#"["é", x]"#))
        #expect(accented.offset == 7)
        #expect(accented.column == 7)
        #expect(accented.description == "malformed JSON at line 1, column 7: expected a JSON value, found 'x'")
    }

    @Test(arguments: [
        ("", "malformed JSON at line 1, column 1: expected a JSON value, found end of input"),
        ("[1,2", "malformed JSON at line 1, column 5: expected ',' or ']' after array element, found end of input"),
        ("[1 2]", "malformed JSON at line 1, column 4: expected ',' or ']' after array element, found '2'"),
        ("{\"a\" 1}", "malformed JSON at line 1, column 6: expected ':' after object key, found '1'"),
        ("{,}", "malformed JSON at line 1, column 2: expected a string key or '}' after '{', found ','"),
        ("{\"a\":1,}", "malformed JSON at line 1, column 8: expected a string key after ',' in object, found '}'"),
        ("[1] x", "malformed JSON at line 1, column 5: expected end of input after the JSON value, found 'x'"),
        ("\"abc", "malformed JSON at line 1, column 5: expected '\"' to close the string, found end of input"),
        ("\"a\\qb\"", "malformed JSON at line 1, column 3: invalid escape sequence '\\q' in string"),
        ("\"\\\u{E9}\"", "malformed JSON at line 1, column 2: invalid escape sequence '\\' followed by 'é' (U+00E9) in string"),
        ("\"\\u12x4\"", "malformed JSON at line 1, column 6: expected a hex digit in \\u escape, found 'x'"),
        ("\"\\uDC00\"", "malformed JSON at line 1, column 2: unpaired UTF-16 surrogate U+DC00 in string escape"),
        ("\"a\tb\"", "malformed JSON at line 1, column 3: control character U+0009 must be escaped in a string"),
        ("012", "malformed JSON at line 1, column 2: leading zeros are not allowed in numbers"),
        ("[1.]", "malformed JSON at line 1, column 4: expected a digit after the decimal point, found ']'"),
        ("1e999", "malformed JSON at line 1, column 1: number is out of the range of a 64-bit float"),
        ("[é]", "malformed JSON at line 1, column 2: expected a JSON value, found 'é' (U+00E9)"),
        ("\u{FEFF}{}", "malformed JSON at line 1, column 1: expected a JSON value, found '\u{FEFF}' (U+FEFF)"),
    ])
    func messagesAreReadable(text: String, message: String) {
        #expect(parseError(text)?.description == message)
    }

    @Test func invalidUTF8MessageNamesTheByte() {
        #expect(
            parseError([0x22, 0x41, 0xFF, 0x22])?.description
                == "malformed JSON at line 1, column 3: invalid UTF-8 sequence starting with byte 0xFF in string"
        )
        #expect(
            parseError([0x5B, 0x80, 0x5D])?.description
                == "malformed JSON at line 1, column 2: expected a JSON value, found byte 0x80"
        )
    }

    @Test func errorsAreEquatableValues() {
        let first = parseError("[1,,2]")
        #expect(first == parseError("[1,,2]"))
        #expect(first != parseError("[1,2,,]"))
        #expect(
            first == JSONParseError(
                kind: .unexpectedCharacter(UInt8(ascii: ",")), offset: 3, line: 1, column: 4,
                detail: "expected a JSON value, found ','"
            )
        )
    }
}

// MARK: - Entry points

@Suite struct JSONParserInputTests {
    static let document = #"{"method":"VM.start","params":["dbg",[1.5,true]],"id":7}"#
    static let expected = JSONValue.object([
        JSONMember("method", .string("VM.start")),
        JSONMember("params", .array([.string("dbg"), .array([.double(1.5), .bool(true)])])),
        JSONMember("id", .int(7)),
    ])

    @Test func everyOverloadParsesTheSameDocument() throws {
        let bytes = Array(Self.document.utf8)
        #expect(try JSONValue.parse(Self.document).isStrictlyIdentical(to: Self.expected))
        #expect(try JSONValue.parse(bytes).isStrictlyIdentical(to: Self.expected))
        #expect(try JSONValue.parse(("  " + Self.document + "  ").dropFirst(2).dropLast(2)).isStrictlyIdentical(to: Self.expected))
        #expect(try JSONValue.parse(([0x78] + bytes + [0x78])[1...bytes.count]).isStrictlyIdentical(to: Self.expected))
        #expect(try JSONValue.parse(Self.document.utf8).isStrictlyIdentical(to: Self.expected))
        #expect(try JSONValue.parse(ContiguousArray(bytes)).isStrictlyIdentical(to: Self.expected))
        // Foundation's Data goes through the generic collection overload.
        #expect(try JSONValue.parse(Data(bytes)).isStrictlyIdentical(to: Self.expected))
        // A collection without contiguous storage is copied once.
        #expect(try JSONValue.parse(bytes.lazy.map { $0 }).isStrictlyIdentical(to: Self.expected))
        let viaRawBuffer = try bytes.withUnsafeBytes { raw throws -> JSONValue in try JSONValue.parse(raw) }
        #expect(viaRawBuffer.isStrictlyIdentical(to: Self.expected))
    }

    @Test func emptyBufferIsUnexpectedEnd() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(UnsafeRawBufferPointer(start: nil, count: 0)) }
        #expect(parseError([UInt8]())?.kind == .unexpectedEnd)
    }

    @Test func typedThrowsExposeTheErrorType() {
        do throws(JSONParseError) {
            _ = try JSONValue.parse("[")
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .unexpectedEnd)
        }
    }
}

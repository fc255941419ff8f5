import Testing
import XenopsCore

private func text(_ value: JSONValue) -> String {
    String(decoding: value.serialized(), as: UTF8.self)
}

@Suite struct JSONSerializerTests {
    @Test func xenopsErrorReplyIsByteExact() {
        let reply = JSONValue.object([
            JSONMember("result", .array([.string("Bad_power_state"), .array([.string("Running"), .string("Halted")])])),
            JSONMember("error", .null),
            JSONMember("id", .int(0)),
        ])
        let expected = #"{"result":["Bad_power_state",["Running","Halted"]],"error":null,"id":0}"#
        #expect(reply.serialized() == Array(expected.utf8))
        #expect(reply.jsonString == expected)
    }

    @Test func vmRecordIsByteExact() {
        let record = JSONValue.object([
            JSONMember("id", .string("6ba7b810-9dad-11d1-80b4-00c04fd430c8")),
            JSONMember("name", .string("web \"primary\"\n")),
            JSONMember("memory_static_max", .int(4_294_967_296)),
            JSONMember("ctime", .double(1_718_000_000.25)),
            JSONMember("vcpus", .int(2)),
            JSONMember("ha", .bool(false)),
            JSONMember("weight", .double(1)),
            JSONMember("devices", .array([])),
            JSONMember("other_config", .object([])),
            JSONMember("shadow_multiplier", .double(3.71)),
        ])
        let expected = #"{"id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","name":"web \"primary\"\n","#
            + #""memory_static_max":4294967296,"ctime":1718000000.25,"vcpus":2,"ha":false,"weight":1.0,"#
            + #""devices":[],"other_config":{},"shadow_multiplier":3.71}"#
        #expect(record.jsonString == expected)
    }

    @Test func membersKeepStoredOrderIncludingDuplicates() {
        let object = JSONValue.object([JSONMember("z", .int(1)), JSONMember("a", .int(2)), JSONMember("z", .int(3))])
        #expect(text(object) == #"{"z":1,"a":2,"z":3}"#)
    }

    @Test(arguments: [
        ("", #""""#),
        ("plain", #""plain""#),
        ("\"", #""\"""#),
        ("\\", #""\\""#),
        ("/", #""/""#),
        ("\u{08}\u{0C}\n\r\t", #""\b\f\n\r\t""#),
        ("\u{0}\u{1}\u{1F}\u{0B}\u{1B}", #""\u0000\u0001\u001f\u000b\u001b""#),
        ("\u{7F}", "\"\u{7F}\""),
        ("é€😀\u{10FFFF}", "\"é€😀\u{10FFFF}\""),
        ("\u{2028}\u{2029}", "\"\u{2028}\u{2029}\""),
        ("a\"b\\c\nd", #""a\"b\\c\nd""#),
    ] as [(String, String)])
    func stringsAreEscapedMinimally(string: String, json: String) {
        #expect(text(.string(string)) == json)
        // Keys use the same escaping.
        #expect(text(.object([JSONMember(string, .null)])) == "{\(json):null}")
    }

    @Test(arguments: [
        (Int64(0), "0"), (1, "1"), (-1, "-1"), (10, "10"), (4_294_967_296, "4294967296"),
        (.max, "9223372036854775807"), (.min, "-9223372036854775808"), (.min + 1, "-9223372036854775807"),
    ] as [(Int64, String)])
    func integersAreDecimal(integer: Int64, json: String) {
        #expect(text(.int(integer)) == json)
    }

    @Test(arguments: [
        (1.0, "1.0"), (3.71, "3.71"), (1_718_000_000.25, "1718000000.25"), (1e20, "1e+20"), (0.1, "0.1"),
        (-0.0, "-0.0"), (0.0, "0.0"), (100.0, "100.0"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
        (1e-7, "1e-07"), (-2.5, "-2.5"), (Double.leastNonzeroMagnitude, "5e-324"),
        (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"), (9_007_199_254_740_992.0, "9007199254740992.0"),
    ] as [(Double, String)])
    func doublesAlwaysReadBackAsDoubles(double: Double, json: String) throws {
        #expect(text(.double(double)) == json)
        guard case .double(let reparsed) = try JSONValue.parse(json) else {
            Issue.record("\(json) did not read back as a double")
            return
        }
        #expect(reparsed.bitPattern == double.bitPattern)
    }

    @Test(arguments: [Double.nan, -Double.nan, .signalingNaN, .infinity, -.infinity])
    func nonFiniteDoublesBecomeNull(double: Double) {
        #expect(text(.double(double)) == "null")
        #expect(text(.array([.double(double), .int(1)])) == "[null,1]")
    }

    @Test func literalsAndContainers() {
        #expect(text(.null) == "null")
        #expect(text(.bool(true)) == "true")
        #expect(text(.bool(false)) == "false")
        #expect(text(.array([])) == "[]")
        #expect(text(.object([])) == "{}")
        #expect(text(.array([.array([.array([])]), .object([JSONMember("", .array([]))])])) == #"[[[]],{"":[]}]"#)
    }

    @Test func serializeIntoAppendsToExistingBytes() {
        var buffer = Array("prefix:".utf8)
        JSONValue.array([.int(1), .string("x")]).serialize(into: &buffer)
        JSONValue.null.serialize(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:[1,"x"]null"#)
    }

    @Test func everyEscapePositionAgainstTheWordAtATimeCopier() {
        // The serializer copies eight bytes at a time; a character needing an escape must be
        // found at every offset within and across words, next to multi-byte characters too.
        func reference(_ string: String) -> String {
            var out = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\u{08}": out += "\\b"
                case "\u{0C}": out += "\\f"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "\u{0}"..."\u{1F}":
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        for length in 0..<24 {
            for position in 0...length {
                for special in ["\"", "\\", "\n", "\u{1}", "\u{1F}", "é", "😀"] {
                    var scalars = Array(repeating: "a", count: length)
                    scalars.insert(special, at: position)
                    let string = scalars.joined()
                    #expect(text(.string(string)) == reference(string), "length \(length), position \(position)")
                }
            }
        }
    }

    @Test func longStringsWithScatteredEscapes() {
        let pieces = (0..<200).map { $0 % 17 == 0 ? "\"\n\\" : "abcé" }
        let string = pieces.joined()
        let expected = "\"" + pieces.map { $0 == "\"\n\\" ? #"\"\n\\"# : $0 }.joined() + "\""
        #expect(text(.string(string)) == expected)
    }
}

import Testing
import XenopsCore
import XenopsTestSupport

extension JSONValue {
    /// Structural identity, stricter than `==`: the same kinds (an int is not a double),
    /// doubles bit for bit (so -0.0 differs from 0.0), strings byte for byte (String's `==`
    /// is canonical equivalence), and object members in the same order.
    func isStrictlyIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a.bitPattern == b.bitPattern
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isStrictlyIdentical(to: $1) }
        case let (.object(a), .object(b)):
            return a.count == b.count
                && zip(a, b).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value.isStrictlyIdentical(to: $1.value) }
        default: return false
        }
    }
}

/// Builds random values that stress the codec: awkward scalars, boundary numbers, every
/// escape-worthy character, nesting and empty containers.
private struct RandomJSON {
    var generator: SplitMix64

    static let interestingScalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}", "\"", "\\", "/", " ", "\u{7F}",
        "\u{80}", "é", "\u{7FF}", "\u{800}", "€", "\u{2028}", "\u{2029}", "\u{D7FF}", "\u{E000}", "\u{FEFF}",
        "\u{FFFD}", "\u{FFFF}", "\u{10000}", "😀", "\u{10FFFF}",
    ]

    static let interestingIntegers: [Int64] = [
        0, 1, -1, 9, 10, -10, 255, 65_536, 4_294_967_296, 9_007_199_254_740_993, .max, .min, .max - 1, .min + 1,
    ]

    static let interestingDoubles: [Double] = [
        0.0, -0.0, 1.0, -1.0, 0.1, 3.71, 1_718_000_000.25, 1e20, 1e22, 1e23, 1e-7, 1e300, 9_007_199_254_740_993.0,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
        -.greatestFiniteMagnitude, .ulpOfOne, 0.30000000000000004, 123_456_789_012_345_680_000.0,
    ]

    mutating func value(depth: Int) -> JSONValue {
        let choice = Int.random(in: 0..<(depth >= 5 ? 7 : 10), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(integer())
        case 3: return .double(double())
        case 4, 5, 6: return .string(string())
        case 7, 8:
            let count = Int.random(in: 0...5, using: &generator)
            return .array((0..<count).map { _ in value(depth: depth + 1) })
        default:
            let count = Int.random(in: 0...5, using: &generator)
            return .object((0..<count).map { _ in JSONMember(string(), value(depth: depth + 1)) })
        }
    }

    mutating func integer() -> Int64 {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return Self.interestingIntegers.randomElement(using: &generator)!
        case 1: return Int64.random(in: -1000...1000, using: &generator)
        default: return Int64(bitPattern: generator.next())
        }
    }

    mutating func double() -> Double {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return Self.interestingDoubles.randomElement(using: &generator)!
        case 1: return Double(Int.random(in: -100_000...100_000, using: &generator)) / 100
        default:
            // Any finite bit pattern, subnormals included; NaN and infinity have no JSON form.
            while true {
                let candidate = Double(bitPattern: generator.next())
                if candidate.isFinite { return candidate }
            }
        }
    }

    mutating func string() -> String {
        let length = Int.random(in: 0...24, using: &generator)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0:
                scalars.append(Self.interestingScalars.randomElement(using: &generator)!)
            case 1:
                // Any scalar at all (surrogate code points are not scalars; retry those).
                while true {
                    if let scalar = Unicode.Scalar(UInt32.random(in: 0...0x10FFFF, using: &generator)) {
                        scalars.append(scalar)
                        break
                    }
                }
            default:
                scalars.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &generator)))
            }
        }
        return String(scalars)
    }
}

/// Documents and values the round-trip tests share.
private enum JSONCorpus {
    static let documents: [String] = [
        #"{"result":["Bad_power_state",["Running","Halted"]],"error":null,"id":0}"#,
        #"{"jsonrpc":"2.0","method":"VM.start","params":["dbg","6ba7b810-9dad-11d1-80b4-00c04fd430c8",false],"id":17}"#,
        #"{"result":"OpaqueRef:7e3b5d2a-1c4e-4b8f-9a6d-2f1e0c9b8a7d","error":null,"id":"req-42"}"#,
        #"{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":3}"#,
        #"{"method":"UPDATES.get","params":["dbg",12345,{"timeout":30}],"id":9}"#,
        #"{"result":[[["Vm","uuid-1"],["Vbd",["uuid-1","xvda"]]],{"barriers":[]},1718000000.25],"error":null,"id":1}"#,
        #"{"memory_static_max":4294967296,"ctime":1718000000.25,"vcpus":2,"shadow_multiplier":1.0,"pv":true}"#,
        #"{"name":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t","raw":"é€😀"}"#,
        #"[0,-0,1,-1,9223372036854775807,-9223372036854775808,9223372036854775808,1e20,-1.5E-7,0.5,1e-400]"#,
        #"[[],{},[[]],[{}],{"":""},{"a":{"a":{"a":[1,[2,[3]]]}}},"",null,true,false]"#,
        " \n\t\r{ \"spaced\" : [ 1 , 2 ] , \"out\" : { } } \r\n",
        #"{"dup":1,"dup":2}"#,
        #""just a string""#, "42", "-3.25", "true", "null",
    ]
}

@Suite struct JSONRoundTripTests {
    @Test(arguments: JSONCorpus.documents)
    func corpusRoundTrips(document: String) throws {
        let parsed = try JSONValue.parse(document)
        let bytes = parsed.serialized()
        let reparsed = try JSONValue.parse(bytes)
        #expect(reparsed.isStrictlyIdentical(to: parsed))
        // Serialization is a fixed point after one normalization.
        #expect(reparsed.serialized() == bytes)
    }

    @Test func normalizedCorpusForms() throws {
        let normalized = try JSONCorpus.documents.map { try JSONValue.parse($0).jsonString }
        #expect(normalized[0] == JSONCorpus.documents[0])
        #expect(normalized[7] == #"{"name":"café 😀 \"q\" \\ / \b\f\n\r\t","raw":"é€😀"}"#)
        #expect(normalized[8] == "[0,0,1,-1,9223372036854775807,-9223372036854775808,9.223372036854776e+18,1e+20,-1.5e-07,0.5,0.0]")
        #expect(normalized[10] == #"{"spaced":[1,2],"out":{}}"#)
        #expect(normalized[11] == #"{"dup":1,"dup":2}"#)
    }

    @Test func thousandRandomValuesRoundTrip() throws {
        var random = RandomJSON(generator: SplitMix64(state: 0x5EED_0F_0A_0B_0C))
        var failures: [Int] = []
        for index in 0..<1_000 {
            let value = random.value(depth: 0)
            let bytes = value.serialized()
            do {
                let parsed = try JSONValue.parse(bytes)
                if !parsed.isStrictlyIdentical(to: value) || parsed.serialized() != bytes {
                    failures.append(index)
                }
            } catch {
                Issue.record("value \(index) failed to parse back: \(error)\n\(value.jsonString)")
            }
        }
        #expect(failures.isEmpty, "values that did not round-trip: \(failures)")
    }

    @Test func randomGeneratorIsDeterministic() {
        var first = RandomJSON(generator: SplitMix64(state: 7))
        var second = RandomJSON(generator: SplitMix64(state: 7))
        for _ in 0..<20 {
            #expect(first.value(depth: 0).serialized() == second.value(depth: 0).serialized())
        }
    }

    @Test(arguments: JSONCorpus.documents)
    func everyProperPrefixIsValidOrUnexpectedEnd(document: String) {
        // A truncated valid document must never be mistaken for a malformed one.
        let bytes = Array(document.utf8)
        for length in 0..<bytes.count {
            do {
                _ = try JSONValue.parse(bytes[..<length])
            } catch {
                #expect(error.kind == .unexpectedEnd, "prefix \(length) of \(document): \(error)")
            }
        }
    }

    @Test func randomMutationsNeverCrash() {
        // Flip, drop or insert single bytes in valid documents: each result must either
        // parse or throw, and a successful parse must itself round-trip.
        var generator = SplitMix64(state: 0xF022)
        let noise: [UInt8] = [0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x30, 0x2D, 0x65, 0x2E, 0x80, 0xC3, 0xFF]
        for document in JSONCorpus.documents {
            let original = Array(document.utf8)
            for _ in 0..<200 {
                var mutated = original
                let position = Int.random(in: 0...mutated.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0 where position < mutated.count:
                    mutated[position] = noise.randomElement(using: &generator)!
                case 1 where position < mutated.count:
                    mutated.remove(at: position)
                default:
                    mutated.insert(noise.randomElement(using: &generator)!, at: position)
                }
                if let parsed = try? JSONValue.parse(mutated) {
                    let again = try? JSONValue.parse(parsed.serialized())
                    #expect(again?.isStrictlyIdentical(to: parsed) == true)
                }
            }
        }
    }
}

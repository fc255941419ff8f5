import Testing
import XenopsCore

/// ``CPUFeatureset`` against the cases of xen-api's `ocaml/xenopsd/test/test_cpuid.ml`
/// (xenopsd's `Cpuid` module), plus featuresets from real hosts.
@Suite struct CPUFeaturesetTests {
    static func f(_ words: [UInt32]) -> CPUFeatureset { CPUFeatureset(words: words) }

    /// A real HVM guest's featureset (xen-api ocaml/xenopsd/test/test.ml) and the pair from
    /// test_cpuid.ml's comparison cases.
    static let realVM = "17cbfbff-f7fa3223-2d93fbff-00000023-00000001-000007ab-00000000-00000000-00001000-9c000400"
    static let hostA = "07cbfbff-04082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000"
    static let hostB = "07c9cbf5-80082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000"

    @Test("string_of_features / features_of_string and their round trips", arguments: [
        ([0, 2, 123], "00000000-00000002-0000007b"), ([0], "00000000"), ([], ""), ([1], "00000001"),
    ] as [([UInt32], String)])
    func roundTrip(words: [UInt32], text: String) throws {
        #expect(Self.f(words).description == text)
        #expect(try CPUFeatureset(parsing: text) == Self.f(words))
    }

    @Test("real featuresets parse and print unchanged")
    func realStrings() throws {
        for text in [Self.realVM, Self.hostA, Self.hostB] {
            #expect(try CPUFeatureset(parsing: text).description == text)
        }
        #expect(try CPUFeatureset(parsing: Self.realVM).words.count == 10)
        // Short and upper-case groups are read as xenopsd's %08Lx reads them.
        #expect(try CPUFeatureset(parsing: "7b-ABCDEF01").words == [0x7b, 0xabcd_ef01])
    }

    @Test("malformed strings fail with the group that is wrong", arguments: [
        ("foo bar baz", 1), ("fgfg-1234", 1), ("0123-foo", 2), ("foo-0123", 1), ("-1234", 1), ("1234-", 2),
        ("123456789", 1), ("0x12-34", 1), ("12--34", 2), (" 12", 1), ("+12", 1),
    ] as [(String, Int)])
    func malformed(text: String, group: Int) {
        do {
            _ = try CPUFeatureset(parsing: text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.text == text)
            #expect(error.group + 1 == group)
            #expect(error.description.contains("is not a CPU featureset: group \(group)"))
            #expect(error.description.contains("hex words joined by '-'"))
        }
    }

    @Test("zero_extend truncates or pads with zeros", arguments: [
        ([1], 2, [1, 0]), ([1], 1, [1]), ([], 2, [0, 0]), ([], 0, []), ([1, 2], 0, []), ([1, 2], 1, [1]), ([1, 2], 2, [1, 2]),
    ] as [([UInt32], Int, [UInt32])])
    func zeroExtend(words: [UInt32], count: Int, expected: [UInt32]) {
        #expect(Self.f(words).zeroExtended(to: count).words == expected)
    }

    @Test("intersect: identity on empty, commutative, zero-extends", arguments: [
        ([], [], []), ([1, 2, 3], [], [1, 2, 3]), ([], [1, 2, 3], [1, 2, 3]), ([7, 3], [5], [5, 0]), ([5], [7, 3], [5, 0]),
        ([1], [1, 0], [1, 0]), ([1, 2, 3], [1, 1, 1], [1, 0, 1]), ([0b0001_1111], [0b0000_1111], [0b0000_1111]),
    ] as [([UInt32], [UInt32], [UInt32])])
    func intersect(a: [UInt32], b: [UInt32], expected: [UInt32]) {
        #expect(Self.f(a).intersection(Self.f(b)).words == expected)
    }

    @Test("is_subset, including xenopsd's counter-intuitive empty cases", arguments: [
        ([], [], true), ([1, 2, 3], [], true), ([], [1, 2, 3], false), ([7, 3], [5], false), ([5], [7, 3], true),
        ([1], [1, 0], true), ([1, 0], [1], true), ([0b0111_1111], [0b1111_1111], true), ([0b0001_1111], [0b0000_1111], false),
        ([0b0000_0000, 0b1111_1111], [0b1111_1111, 0b0000_0000], false),
    ] as [([UInt32], [UInt32], Bool)])
    func subset(a: [UInt32], b: [UInt32], expected: Bool) {
        #expect(Self.f(a).isSubset(of: Self.f(b)) == expected)
    }

    @Test("two real hosts: neither is a subset of the other; their intersection is within both")
    func realHosts() throws {
        let a = try CPUFeatureset(parsing: Self.hostA), b = try CPUFeatureset(parsing: Self.hostB)
        #expect(!a.isSubset(of: b) && !b.isSubset(of: a))
        let both = a.intersection(b)
        #expect(both.description == "07c9cbf5-00082201-20100800-00000001-00000000-00000000-00000000-00000000-00000000")
        #expect(both.isSubset(of: a) && both.isSubset(of: b))
        #expect(a.subtracting(b).description == "0002300a-04000000-00000000-00000000-00000000-00000000-00000000-00000000-00000000")
    }

    @Test("is_compatible cuts the VM's set to the host's length before the subset check")
    func compatibility() throws {
        let host = try CPUFeatureset(parsing: Self.hostA)
        let vm = try CPUFeatureset(parsing: Self.hostB)
        #expect(host.intersection(vm).compatibility(onHost: host) == .compatible)
        #expect(vm.compatibility(onHost: host) == .incompatible(missing: "00000000-80000000-00000000-00000000-00000000-00000000-00000000-00000000-00000000"))
        // Features beyond the host's length are ignored; an empty host accepts anything.
        #expect(Self.f([1, 0xffff]).compatibility(onHost: Self.f([1])) == .compatible)
        #expect(Self.f([1]).compatibility(onHost: Self.f([])) == .compatible)
        #expect(Self.f([]).compatibility(onHost: Self.f([3])) == .compatible)
    }
}

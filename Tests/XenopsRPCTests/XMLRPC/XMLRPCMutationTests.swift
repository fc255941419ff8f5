import Testing
import XenopsCore
import XenopsRPC
import XenopsTestSupport

/// A randomized robustness test: thousands of mutated XML-RPC documents, each of which must
/// decode or fail with a clean ``RPCFailure`` — never crash, hang or leak. The generator is
/// seeded, so a failure reproduces.
@Suite("XML-RPC: mutated documents never crash the decoder")
struct XMLRPCMutationTests {
    private typealias Generator = SplitMix64

    /// Fragments that exercise the parser's and the reader's edges.
    private static let fragments = [
        "<value>", "</value>", "<struct>", "<member>", "<name>", "<array><data>", "</data></array>", "<nil/>",
        "<int>", "<boolean>2</boolean>", "<double>1e999</double>", "<base64>==</base64>", "&", "&lt;", "&#0;", "&#xD800;",
        "<!DOCTYPE x [<!ENTITY a \"b\">]>", "<![CDATA[", "]]>", "<!--", "-->", "<?pi?>", "\u{0}", "\u{FF}", "\"", "'",
        "<methodCall>", "</methodCall>", "<params><param>", "</param></params>", " xmlns:a=\"b\"", "<a:value>",
    ]

    private static func mutate(_ seed: [UInt8], _ rng: inout Generator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes[position] = UInt8.random(in: 0...255, using: &rng)  // flip a byte
            case 1:
                bytes.insert(contentsOf: Array(fragments.randomElement(using: &rng)!.utf8), at: position)
            case 2 where !bytes.isEmpty:
                bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...32, using: &rng)))
            case 3:
                bytes = Array(bytes.prefix(position))  // truncate
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int.random(in: 1...200, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)  // duplicate a span
            default:
                bytes.insert(UInt8(ascii: "<"), at: position)
            }
        }
        return bytes
    }

    @Test("4000 mutations of the §3.5 requests and of replies decode or fail cleanly")
    func mutations() throws {
        var seeds: [[UInt8]] = []
        for (_, json) in InterfaceExamples.workedRequests {
            let value = try JSONValue.parse(json)
            guard case .string(let method)? = value["method"], case .array(let params)? = value["params"] else { continue }
            seeds.append(XMLRPC.encodeCall(.init(method: method, params: params)))
        }
        for text in InterfaceExamples.updatesResults {
            seeds.append(RPCResponse.render(.success(try JSONValue.parse(text)), flavour: .xmlrpc, id: .null))
        }
        seeds.append(RPCResponse.render(.failure(.xenops(.badPowerState(found: .running, expected: .halted))), flavour: .xmlrpc, id: .null))

        var rng = Generator(state: 0x5EED_0F_C0DEC)
        var decoded = 0, refused = 0
        let limits = JSONLimits(maxDepth: 64, maxBytes: 1 << 20)
        for round in 0..<4000 {
            let document = Self.mutate(seeds[round % seeds.count], &rng)
            do {
                _ = try RPCRequest.decode(document, limits: limits)
                decoded += 1
            } catch {
                // Every refusal renders as a reply the client can read.
                let reply = RPCResponse.render(error)
                #expect(!reply.isEmpty)
                refused += 1
            }
            _ = try? XMLRPC.decodeReply(document, limits: limits)
        }
        #expect(decoded + refused == 4000)
        // The mutations must actually reach the error paths, and some must still decode.
        #expect(refused > 1000)
        #expect(decoded > 10)
    }
}

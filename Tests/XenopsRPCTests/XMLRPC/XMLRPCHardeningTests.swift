import Foundation
import Testing
import XenopsCore
import XenopsRPC

/// Hostile and broken XML-RPC documents get a clean error that says what was wrong: no
/// entity is expanded, no file or network is read, size and depth are bounded.
@Suite("XML-RPC: hostile and malformed documents")
struct XMLRPCHardeningTests {
    /// The message of the failure decoding `document` as a request (which must be an XML-RPC
    /// parse error, rendered as an XML-RPC Failure reply).
    private func failure(_ document: String, limits: JSONLimits = .default, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            let request = try RPCRequest.decode(Array(document.utf8), limits: limits)
            Issue.record("decoded \(request.method) from a bad document", sourceLocation: sourceLocation)
            return ""
        } catch {
            #expect(error.flavour == .xmlrpc, sourceLocation: sourceLocation)
            guard case .parseError(let message) = error.error else {
                Issue.record("expected a parse error, got \(error.error)", sourceLocation: sourceLocation)
                return ""
            }
            #expect(message.hasPrefix("the request body is not a valid XML-RPC call: "), sourceLocation: sourceLocation)
            let reply = String(decoding: RPCResponse.render(error), as: UTF8.self)
            #expect(reply.contains("<name>Status</name><value>Failure</value>"), sourceLocation: sourceLocation)
            #expect(reply.contains("<value>Internal_error</value>"), sourceLocation: sourceLocation)
            return message
        }
    }

    private static let call = #"<?xml version="1.0"?><methodCall><methodName>VM.stat</methodName><params><param><value><struct><member><name>debug_info</name><value>x</value></member><member><name>id</name><value>&lol9;</value></member></struct></value></param></params></methodCall>"#

    @Test("billion laughs: refused at the DOCTYPE, nothing expanded")
    func billionLaughs() {
        var dtd = #"<!DOCTYPE methodCall [<!ENTITY lol "lol">"#
        for level in 1...9 {
            dtd += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">"
        }
        dtd += "]>"
        let document = Self.call.replacingOccurrences(of: #"<?xml version="1.0"?>"#, with: #"<?xml version="1.0"?>"# + dtd)
        let message = failure(document)
        #expect(message.contains("<!DOCTYPE>"))
        #expect(!message.contains("lollol"))
    }

    @Test("external entities (XXE) are never read", arguments: [
        #"<!DOCTYPE methodCall [<!ENTITY lol9 SYSTEM "file:///etc/passwd">]>"#,
        #"<!DOCTYPE methodCall [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>"#,
        #"<!DOCTYPE methodCall SYSTEM "file:///etc/passwd">"#,
        #"<!DOCTYPE methodCall PUBLIC "-//x//y" "http://127.0.0.1:9/x.dtd">"#,
    ])
    func externalEntities(doctype: String) {
        let document = Self.call.replacingOccurrences(of: #"<?xml version="1.0"?>"#, with: #"<?xml version="1.0"?>"# + doctype)
        let message = failure(document)
        #expect(message.contains("<!DOCTYPE>"))
        #expect(!message.contains("root:"))
    }

    @Test("an undeclared entity is not well-formed")
    func undeclaredEntity() {
        let message = failure(Self.call)
        #expect(message.contains("not well-formed XML"))
        #expect(message.contains("line 1"))
    }

    @Test("malformed documents say what and where", arguments: [
        ("<methodCall><methodName>VM.stat</methodName><params>", "not well-formed XML"),
        ("<methodCall><methodName>a</methodName></methodCall><extra/>", "not well-formed XML"),
        ("<methodCall><methodName>a</methodName><params><param><value><int>x</int></value></param></params></methodCall>", "not a 64-bit integer"),
        ("<methodCall><methodName>a</methodName><params><param><value><int>99999999999999999999</int></value></param></params></methodCall>", "not a 64-bit integer"),
        ("<methodCall><methodName>a</methodName><params><param><value><double>fast</double></value></param></params></methodCall>", "not a number"),
        ("<methodCall><methodName>a</methodName><params><param><value><boolean>yes</boolean></value></param></params></methodCall>", "use 1 or 0"),
        ("<methodCall><methodName>a</methodName><params><param><value><int/></value></param></params></methodCall>", "not a 64-bit integer"),
        ("<methodCall><methodName>a</methodName><params><param><value><float>1</float></value></param></params></methodCall>", "is not an XML-RPC type"),
        ("<methodCall><methodName>a</methodName><params><param><value><struct><member><value>1</value></member></struct></value></param></params></methodCall>", "a <member> holds a <name> then a <value>"),
        ("<methodCall><methodName>a</methodName><params><param><value><array><value>1</value></array></value></param></params></methodCall>", "must hold <data>"),
        ("<methodCall><methodName>a</methodName><params><param><value>text<int>1</int></value></param></params></methodCall>", "either text or one typed element"),
        ("<methodCall><methodName>a</methodName><params><param><value><nil>x</nil></value></param></params></methodCall>", "<nil/> must be empty"),
        ("<methodCall><methodName>a</methodName><params><param><value><base64>!!</base64></value></param></params></methodCall>", "valid base64"),
        ("<methodCall><methodName>a</methodName><params><param>1</param></params></methodCall>", "exactly one <value>"),
        ("<methodCall><methodName></methodName></methodCall>", "<methodName> must hold the method name"),
        ("<methodCall><params/></methodCall>", "<methodName> and then <params>"),
        ("<methodResponse/>", "not an XML-RPC <methodCall>"),
        ("<", "not well-formed XML"),
        ("<methodCall>\u{FF}</methodCall>", "<methodName> and then <params>"),
    ])
    func malformed(document: String, expected: String) {
        let message = failure(document)
        #expect(message.contains(expected), "\(message)")
    }

    @Test("a UTF-16 document is refused (the encoding declaration is ignored; UTF-8 only)")
    func utf16() throws {
        var bytes: [UInt8] = []
        for unit in #"<?xml version="1.0" encoding="UTF-16"?><methodCall><methodName>a</methodName></methodCall>"#.utf16 {
            bytes.append(UInt8(unit & 0xFF))
            bytes.append(UInt8(unit >> 8))
        }
        #expect(RPCEncoding.sniff(bytes) == .xml)
        #expect(throws: RPCFailure.self) { try RPCRequest.decode(bytes) }
        // Bytes that are not UTF-8.
        let latin1: [UInt8] = Array("<methodCall><methodName>".utf8) + [0xE9] + Array("</methodName></methodCall>".utf8)
        #expect(throws: RPCFailure.self) { try RPCRequest.decode(latin1) }
    }

    @Test("a body over the size limit is refused before parsing")
    func oversized() {
        let big = "<methodCall><methodName>a</methodName><params><param><value>" + String(repeating: "x", count: 10_000) + "</value></param></params></methodCall>"
        let message = failure(big, limits: JSONLimits(maxBytes: 4096))
        #expect(message.contains("over the limit of 4096 bytes"))
    }

    @Test("a string over the string limit is refused")
    func longString() {
        let big = "<methodCall><methodName>a</methodName><params><param><value>" + String(repeating: "x", count: 2000) + "</value></param></params></methodCall>"
        #expect(failure(big, limits: JSONLimits(maxStringBytes: 1000)).contains("over the limit of 1000 bytes"))
    }

    @Test("nesting beyond the depth limit is refused, at either depth")
    func deep() {
        func nested(_ levels: Int) -> String {
            "<methodCall><methodName>a</methodName><params><param>"
                + String(repeating: "<value><array><data>", count: levels) + "<value>1</value>"
                + String(repeating: "</data></array></value>", count: levels) + "</param></params></methodCall>"
        }
        // Within the limit (64) it decodes.
        #expect((try? RPCRequest.decode(Array(nested(60).utf8))) != nil)
        #expect(failure(nested(65)).contains("deeper than the limit of 64 levels"))
        // Deeper than libxml2's own element limit: refused by the parser, in our words.
        #expect(failure(nested(200)).contains("deeper than 256 levels"))
        // A million open tags: refused at once, no recursion, no crash.
        let million = String(repeating: "<value>", count: 1_000_000)
        #expect(failure("<methodCall><methodName>a</methodName><params><param>" + million).contains("deeper than 256 levels"))
    }

    @Test("an empty or blank body is an error, not a crash")
    func empty() {
        #expect(throws: RPCFailure.self) { try RPCRequest.decode([UInt8]()) }
        #expect(failure("  <").contains("not well-formed"))
    }

    @Test("a reply that is not XML-RPC is a clean error on the client side")
    func badReplies() {
        for document in ["<html><body>502 Bad Gateway</body></html>", "<methodResponse></methodResponse>", "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>", "garbage"] {
            #expect(throws: XMLRPCError.self) { try XMLRPC.decodeReply(Array(document.utf8)) }
        }
    }
}

import Testing
import XenopsCore
import XenopsRPC
import XenopsTestSupport

/// XML-RPC output byte for byte as ocaml-rpc's `Xmlrpc` (non-strict) writes it. The expected
/// documents are written by hand from `src/lib/xmlrpc.ml` (`add_value`, `string_of_call`,
/// `add_response`), not produced by the code under test.
@Suite("XML-RPC: encoding as ocaml-rpc writes it")
struct XMLRPCEncodingTests {
    private func reply(_ value: JSONValue) -> String {
        String(decoding: RPCResponse.render(.success(value), flavour: .xmlrpc, id: .null), as: UTF8.self)
    }

    /// The XML of one value, cut out of a success reply.
    private func xml(_ value: JSONValue) -> String {
        let whole = reply(value)
        let prefix = #"<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name>"#
        let suffix = "</member></struct></value></param></params></methodResponse>"
        guard whole.hasPrefix(prefix), whole.hasSuffix(suffix) else { return "unexpected envelope: \(whole)" }
        return String(whole.dropFirst(prefix.count).dropLast(suffix.count))
    }

    @Test(
        "scalars: ints and strings untyped, <boolean> 0/1, <double> %.16g, <nil/>",
        arguments: [
            (JSONValue.int(42), "<value>42</value>"),
            (.int(-7), "<value>-7</value>"),
            (.int(4_294_967_296), "<value>4294967296</value>"),
            (.int(Int64.min), "<value>-9223372036854775808</value>"),
            (.string("Halted"), "<value>Halted</value>"),
            (.string(""), "<value></value>"),
            (.string(#"a<b>&"c'd"#), "<value>a&lt;b&gt;&amp;&quot;c'd</value>"),
            (.string("tab\tline\nend"), "<value>tab\tline\nend</value>"),
            (.string("bell\u{07}nul\u{00}"), "<value>bellnul</value>"),
            (.string("é ✓ 𝄞"), "<value>é ✓ 𝄞</value>"),
            (.bool(true), "<value><boolean>1</boolean></value>"),
            (.bool(false), "<value><boolean>0</boolean></value>"),
            (.double(1718000000.25), "<value><double>1718000000.25</double></value>"),
            (.double(0.42), "<value><double>0.42</double></value>"),
            (.double(1.0), "<value><double>1</double></value>"),
            (.double(0.1), "<value><double>0.1</double></value>"),
            (.double(1e-7), "<value><double>1e-07</double></value>"),
            (.double(1e20), "<value><double>1e+20</double></value>"),
            (.double(-0.0), "<value><double>-0</double></value>"),
            (.double(.infinity), "<value><double>inf</double></value>"),
            (.double(-.infinity), "<value><double>-inf</double></value>"),
            (.double(.nan), "<value><double>nan</double></value>"),
            (.null, "<value><nil/></value>"),
        ])
    func scalars(value: JSONValue, expected: String) {
        #expect(xml(value) == expected)
    }

    @Test("arrays and structs; members in order; variants and tuples are arrays")
    func containers() {
        #expect(xml(.array([])) == "<value><array><data></data></array></value>")
        #expect(xml(.object([])) == "<value><struct></struct></value>")
        #expect(
            xml(.array([.string("Pending"), .double(0.42)]))
                == "<value><array><data><value>Pending</value><value><double>0.42</double></value></data></array></value>")
        #expect(
            xml(.object([JSONMember("b", .int(1)), JSONMember("a", .null)]))
                == "<value><struct><member><name>b</name><value>1</value></member><member><name>a</name><value><nil/></value></member></struct></value>")
        // A member name with markup characters is escaped (ocaml-rpc would write it raw and break the document).
        #expect(xml(.object([JSONMember("k<&>", .string("v"))])) == "<value><struct><member><name>k&lt;&amp;&gt;</name><value>v</value></member></struct></value>")
    }

    @Test("a success reply: {Status: Success, Value: v}")
    func successReply() {
        #expect(
            reply(.string(InterfaceExamples.vmID))
                == #"<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value>7b719ce6-0b17-9733-e8ee-dbc1e6e7b701</value></member></struct></value></param></params></methodResponse>"#)
        #expect(reply(.null).contains("<member><name>Value</name><value><nil/></value></member>"))
    }

    @Test("a failure reply: {Status: Failure, ErrorDescription: the marshalled Errors.error}")
    func failureReply() {
        let error = XenopsError.doesNotExist(namespace: "VM", path: "00000000-0000-0000-0000-000000000bad/config")
        let out = String(decoding: RPCResponse.render(.failure(.xenops(error)), flavour: .xmlrpc, id: .null), as: UTF8.self)
        #expect(
            out == #"<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data><value>Does_not_exist</value><value><array><data><value>VM</value><value>00000000-0000-0000-0000-000000000bad/config</value></data></array></value></data></array></value></member></struct></value></param></params></methodResponse>"#)
        let bare = String(decoding: RPCResponse.render(.failure(.xenops(.deviceIsConnected)), flavour: .xmlrpc, id: .null), as: UTF8.self)
        #expect(bare.contains("<name>ErrorDescription</name><value>Device_is_connected</value>"))
    }

    @Test("a call: methodName, then one param holding the struct of named parameters")
    func call() {
        let params = JSONValue.object([
            JSONMember("debug_info", .string("Async.VM.start R:593283cf10c0")),
            JSONMember("id", .string("7b719ce6-0b17-9733-e8ee-dbc1e6e7b701")),
            JSONMember("paused", .bool(false)),
        ])
        let out = String(decoding: XMLRPC.encodeCall(.init(method: "VM.start", params: [params])), as: UTF8.self)
        #expect(
            out == #"<?xml version="1.0"?><methodCall><methodName>VM.start</methodName><params><param><value><struct><member><name>debug_info</name><value>Async.VM.start R:593283cf10c0</value></member><member><name>id</name><value>7b719ce6-0b17-9733-e8ee-dbc1e6e7b701</value></member><member><name>paused</name><value><boolean>0</boolean></value></member></struct></value></param></params></methodCall>"#)
    }

    @Test("JSON replies are unchanged by the XML-RPC flavour's existence")
    func jsonUnchanged() {
        let out = RPCResponse.render(.success(.string("57")), flavour: .v1, id: .int(18))
        #expect(String(decoding: out, as: UTF8.self) == #"{"result":"57","error":null,"id":18}"#)
    }
}

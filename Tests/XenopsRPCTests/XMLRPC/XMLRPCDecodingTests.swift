import Testing
import XenopsCore
import XenopsRPC

/// Reading XML-RPC as ocaml-rpc's `Xmlrpc.of_string` reads it: typed and untyped values,
/// whitespace, comments, entities; and the typing of untyped values by the xenops codec.
@Suite("XML-RPC: decoding values")
struct XMLRPCDecodingTests {
    /// The one parameter of a call whose param is `valueXML`.
    private func decode(_ valueXML: String) throws -> JSONValue {
        let document = #"<?xml version="1.0"?><methodCall><methodName>m</methodName><params><param>\#(valueXML)</param></params></methodCall>"#
        let call = try XMLRPC.decodeCall(Array(document.utf8))
        guard call.params.count == 1 else { throw XMLRPCError("expected one parameter, got \(call.params.count)") }
        return call.params[0]
    }

    @Test(
        "typed and untyped scalars",
        arguments: [
            ("<value>42</value>", JSONValue.string("42")),
            ("<value><int>42</int></value>", .int(42)),
            ("<value><i4>-5</i4></value>", .int(-5)),
            ("<value><i8>4294967296</i8></value>", .int(4_294_967_296)),
            ("<value><int> 7 </int></value>", .int(7)),
            ("<value><string>Halted</string></value>", .string("Halted")),
            ("<value>Halted</value>", .string("Halted")),
            ("<value></value>", .string("")),
            ("<value/>", .string("")),
            ("<value>  </value>", .string("  ")),
            ("<value><string/></value>", .string("")),
            ("<value><string></string></value>", .string("")),
            ("<value><value/></value>", .string("")),
            ("<value><boolean>1</boolean></value>", .bool(true)),
            ("<value><boolean>0</boolean></value>", .bool(false)),
            ("<value><double>1718000000.25</double></value>", .double(1718000000.25)),
            ("<value><double>1e-07</double></value>", .double(1e-7)),
            ("<value><double>-inf</double></value>", .double(-.infinity)),
            ("<value><nil/></value>", .null),
            ("<value><nil></nil></value>", .null),
            ("<value><base64>aGVsbG8gd29ybGQ=</base64></value>", .string("hello world")),
            ("<value><dateTime.iso8601>20240101T10:00:00Z</dateTime.iso8601></value>", .string("20240101T10:00:00Z")),
            ("<value>a&lt;b&gt;&amp;&quot;&apos;&#65;&#x42;</value>", .string(#"a<b>&"'AB"#)),
            ("<value><![CDATA[<raw> & text]]></value>", .string("<raw> & text")),
            ("<value>a<!-- a comment -->b</value>", .string("ab")),
            ("<value>line&#13;\nnext</value>", .string("line\r\nnext")),
        ])
    func scalars(xml: String, expected: JSONValue) throws {
        let value = try decode(xml)
        #expect(value == expected)
        #expect(value.kindName == expected.kindName)
    }

    @Test("arrays and structs, empty or not, pretty-printed or not")
    func containers() throws {
        #expect(try decode("<value><array><data></data></array></value>") == .array([]))
        #expect(try decode("<value><array><data/></array></value>") == .array([]))
        #expect(try decode("<value><array/></value>") == .array([]))
        #expect(try decode("<value><struct/></value>") == .object([]))
        #expect(try decode("<value><struct></struct></value>") == .object([]))
        let pretty = """
            <value>
              <struct>
                <member>
                  <name>state</name>
                  <value>
                    <array>
                      <data>
                        <value>Pending</value>
                        <value><double>0.42</double></value>
                      </data>
                    </array>
                  </value>
                </member>
                <!-- comments anywhere -->
                <member><name>id</name><value><string>57</string></value></member>
              </struct>
            </value>
            """
        let value = try decode(pretty)
        #expect(value == .object([JSONMember("state", .array([.string("Pending"), .double(0.42)])), JSONMember("id", .string("57"))]))
        // Member order is kept (equality ignores it, so check the keys).
        #expect(value.objectMembers?.map(\.key) == ["state", "id"])
    }

    @Test("a namespace prefix is ignored, as ocaml-rpc ignores it")
    func namespacePrefix() throws {
        #expect(try decode(#"<value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value>"#) == .null)
    }

    @Test("the codec types untyped values: ints, int64s and floats from strings, bools from <boolean>")
    func codecTypesUntypedValues() throws {
        #expect(try Int(xenops: decode("<value>42</value>")) == 42)
        #expect(try Int64(xenops: decode("<value>4294967296</value>")) == 4_294_967_296)
        #expect(try Int64(xenops: decode("<value>-9223372036854775808</value>")) == Int64.min)
        #expect(try Int32(xenops: decode("<value>-5</value>")) == -5)
        #expect(try Double(xenops: decode("<value>0.42</value>")) == 0.42)
        #expect(try Double(xenops: decode("<value>3</value>")) == 3)
        #expect(try Double(xenops: decode("<value><double>1718000000.25</double></value>")) == 1718000000.25)
        #expect(try Bool(xenops: decode("<value><boolean>1</boolean></value>")) == true)
        #expect(try String(xenops: decode("<value>42</value>")) == "42")
        #expect(throws: XenopsDecodeError.self) { try Int(xenops: decode("<value>forty-two</value>")) }
    }

    @Test("RPCRequest.decode tells XML from JSON by the body, whatever the header said")
    func sniffing() throws {
        let xml = #"  <?xml version="1.0"?><methodCall><methodName>VM.stat</methodName><params><param><value><struct><member><name>debug_info</name><value>x</value></member><member><name>id</name><value>vm</value></member></struct></value></param></params></methodCall>"#
        let request = try RPCRequest.decode(Array(xml.utf8))
        #expect(request.flavour == .xmlrpc)
        #expect(request.method == "VM.stat")
        #expect(request.params["id"] == .string("vm"))
        #expect(request.params["debug_info"] == .string("x"))
        // A UTF-8 byte-order mark before the XML is allowed.
        #expect(try RPCRequest.decode([0xEF, 0xBB, 0xBF] + Array(xml.utf8)).flavour == .xmlrpc)
        let json = try RPCRequest.decode(Array(#" {"method":"VM.stat","params":[{"debug_info":"x","id":"vm"}],"id":3}"#.utf8))
        #expect(json.flavour == .v1)
    }

    @Test("a call without <params>, and positional parameters after the named struct")
    func paramShapes() throws {
        let bare = try XMLRPC.decodeCall(Array("<methodCall><methodName> query </methodName></methodCall>".utf8))
        #expect(bare == XMLRPC.Call(method: "query", params: []))
        let legacy = #"<methodCall><methodName>VM.import_metadata</methodName><params><param><value>dbg</value></param><param><value>{}</value></param></params></methodCall>"#
        let request = try RPCRequest.decode(Array(legacy.utf8))
        #expect(request.params.positional == [.string("dbg"), .string("{}")])
        #expect(!request.params.hasNamed)
    }

    @Test("replies: Success, Failure, a fault, and a bare value")
    func replies() throws {
        let success = #"<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value>57</value></member></struct></value></param></params></methodResponse>"#
        #expect(try XMLRPC.decodeReply(Array(success.utf8)) == .success(.string("57")))
        let failure = #"<methodResponse><params><param><value><struct><member><name>Status</name><value>Failure</value></member><member><name>ErrorDescription</name><value><array><data><value>Does_not_exist</value><value><array><data><value>task</value><value>57</value></data></array></value></data></array></value></member></struct></value></param></params></methodResponse>"#
        guard case .failure(.xenops(let error)) = try RPCResponse.decodeXML(Array(failure.utf8)) else {
            Issue.record("a Failure reply did not decode as a xenops error")
            return
        }
        #expect(error == .doesNotExist(namespace: "task", path: "57"))
        let fault = #"<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>4</int></value></member><member><name>faultString</name><value>Too many parameters.</value></member></struct></value></fault></methodResponse>"#
        #expect(try XMLRPC.decodeReply(Array(fault.utf8)) == .fault(code: .int(4), message: .string("Too many parameters.")))
        guard case .failure(.xenops(.internalError(let message))) = try RPCResponse.decodeXML(Array(fault.utf8)) else {
            Issue.record("a fault did not become an internal error")
            return
        }
        #expect(message.contains("fault 4") && message.contains("Too many parameters."))
        let bare = "<methodResponse><params><param><value><i4>3</i4></value></param></params></methodResponse>"
        #expect(try XMLRPC.decodeReply(Array(bare.utf8)) == .success(.int(3)))
    }
}

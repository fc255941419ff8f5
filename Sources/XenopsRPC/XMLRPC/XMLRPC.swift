import XenopsCore

/// XML-RPC as ocaml-rpc's `Xmlrpc` module speaks it: what XAPI posts to xenopsd's socket
/// when `use-switch=false`, and what one xenopsd posts to another host during migration.
///
/// Values map to and from ``JSONValue`` (see ``XMLRPCValueReader`` and ``XMLRPCWriter``) so
/// the xenops codec types them exactly as it types JSON. Replies are XenAPI-style, a struct
/// `{Status: "Success", Value: v}` or `{Status: "Failure", ErrorDescription: error}` inside
/// `<methodResponse><params><param>`.
public enum XMLRPC {
    /// A decoded `<methodCall>`: the method name and its parameters in order. Named xenops
    /// parameters come as one struct, the first parameter.
    public struct Call: Sendable, Hashable {
        public var method: String
        public var params: [JSONValue]

        public init(method: String, params: [JSONValue]) {
            self.method = method
            self.params = params
        }
    }

    /// A decoded `<methodResponse>`.
    public enum Reply: Sendable, Hashable {
        /// `{Status: "Success", Value: v}`, or any other value (ocaml-rpc reads that as success).
        case success(JSONValue)
        /// `{Status: "Failure", ErrorDescription: e}`: `e` is the marshalled xenops error.
        case failure(JSONValue)
        /// A standard XML-RPC `<fault>` (never sent by xenopsd; a proxy might).
        case fault(code: JSONValue, message: JSONValue)
    }

    // MARK: Calls

    /// Decodes a `<methodCall>` document.
    /// - Throws: ``XMLRPCError`` saying what was wrong and where.
    public static func decodeCall(_ body: some Collection<UInt8>, limits: JSONLimits = .default) throws(XMLRPCError) -> Call {
        try withDocument(body, limits: limits) { root throws(XMLRPCError) in
            guard root.name == "methodCall" else {
                throw XMLRPCError("the document is <\(root.name)>, not an XML-RPC <methodCall>")
            }
            let parts = root.children
            let elements = parts.elements
            guard parts.textIsBlank, let nameNode = elements.first, nameNode.name == "methodName", elements.count <= 2 else {
                throw XMLRPCError("a <methodCall> holds <methodName> and then <params>")
            }
            let nameParts = nameNode.children
            let method = nameParts.text.trimmingXMLSpace
            guard nameParts.elements.isEmpty, !method.isEmpty else {
                throw XMLRPCError("line \(nameNode.line): <methodName> must hold the method name as text")
            }
            var params: [JSONValue] = []
            if elements.count == 2 {
                let list = elements[1]
                guard list.name == "params" else {
                    throw XMLRPCError("line \(list.line): expected <params> after <methodName>, found <\(list.name)>")
                }
                let reader = XMLRPCValueReader(limits: limits)
                for (index, param) in try paramElements(list).enumerated() {
                    do throws(XMLRPCError) { params.append(try reader.value(try single(param, "param"), depth: 0)) } catch {
                        throw error.inside("parameter \(index + 1) of \(method)")
                    }
                }
            }
            return Call(method: method, params: params)
        }
    }

    /// Encodes a call as ocaml-rpc's `Xmlrpc.string_of_call` does.
    public static func encodeCall(_ call: Call) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        out.append(contentsOf: #"<?xml version="1.0"?><methodCall><methodName>"#.utf8)
        XMLRPCWriter.escape(call.method, into: &out)
        out.append(contentsOf: "</methodName><params>".utf8)
        for param in call.params {
            out.append(contentsOf: "<param>".utf8)
            XMLRPCWriter.write(param, into: &out)
            out.append(contentsOf: "</param>".utf8)
        }
        out.append(contentsOf: "</params></methodCall>".utf8)
        return out
    }

    // MARK: Replies

    /// Appends a reply as ocaml-rpc's `Xmlrpc.string_of_response` writes it.
    public static func encodeReply(_ reply: Reply, into out: inout [UInt8]) {
        let value: JSONValue
        switch reply {
        case .success(let v):
            value = .object([JSONMember("Status", .string("Success")), JSONMember("Value", v)])
        case .failure(let e):
            value = .object([JSONMember("Status", .string("Failure")), JSONMember("ErrorDescription", e)])
        case .fault(let code, let message):
            out.append(contentsOf: #"<?xml version="1.0"?><methodResponse><fault>"#.utf8)
            XMLRPCWriter.write(.object([JSONMember("faultCode", code), JSONMember("faultString", message)]), into: &out)
            out.append(contentsOf: "</fault></methodResponse>".utf8)
            return
        }
        out.append(contentsOf: #"<?xml version="1.0"?><methodResponse><params><param>"#.utf8)
        XMLRPCWriter.write(value, into: &out)
        out.append(contentsOf: "</param></params></methodResponse>".utf8)
    }

    /// Decodes a `<methodResponse>` as ocaml-rpc's `Xmlrpc.response_of_string` does.
    /// - Throws: ``XMLRPCError`` saying what was wrong and where.
    public static func decodeReply(_ body: some Collection<UInt8>, limits: JSONLimits = .default) throws(XMLRPCError) -> Reply {
        try withDocument(body, limits: limits) { root throws(XMLRPCError) in
            guard root.name == "methodResponse" else {
                throw XMLRPCError("the document is <\(root.name)>, not an XML-RPC <methodResponse>")
            }
            let parts = root.children
            let elements = parts.elements
            guard parts.textIsBlank, elements.count == 1 else {
                throw XMLRPCError("a <methodResponse> holds one <params> or <fault> element")
            }
            let reader = XMLRPCValueReader(limits: limits)
            let body = elements[0]
            switch body.name {
            case "params":
                let params = try paramElements(body)
                guard params.count == 1 else {
                    throw XMLRPCError("line \(body.line): a reply's <params> holds exactly one <param>, found \(params.count)")
                }
                let value = try reader.value(try single(params[0], "param"), depth: 0)
                if case .object = value, let status = value["Status"] {
                    if status == .string("Success"), let v = value["Value"] { return .success(v) }
                    if status == .string("Failure"), let e = value["ErrorDescription"] { return .failure(e) }
                }
                return .success(value)
            case "fault":
                let value = try reader.value(try single(body, "fault"), depth: 0)
                guard case .object = value, let code = value["faultCode"], let message = value["faultString"] else {
                    throw XMLRPCError("line \(body.line): a <fault> holds a struct with faultCode and faultString")
                }
                return .fault(code: code, message: message)
            default:
                throw XMLRPCError("line \(body.line): a <methodResponse> holds <params> or <fault>, found <\(body.name)>")
            }
        }
    }

    // MARK: Helpers

    /// Parses `body` and runs `read` on its root element while the document lives.
    private static func withDocument<T>(
        _ body: some Collection<UInt8>, limits: JSONLimits, _ read: (XMLNode) throws(XMLRPCError) -> T
    ) throws(XMLRPCError) -> T {
        let parsed: Result<XMLDocument, XMLRPCError>
        if let direct = body.withContiguousStorageIfAvailable({ buffer in
            Result { () throws(XMLRPCError) in try XMLDocument.parse(UnsafeRawBufferPointer(buffer), maxBytes: limits.maxBytes) }
        }) {
            parsed = direct
        } else {
            let copy = Array(body)
            parsed = copy.withUnsafeBytes { raw in
                Result { () throws(XMLRPCError) in try XMLDocument.parse(raw, maxBytes: limits.maxBytes) }
            }
        }
        let document = try parsed.get()
        guard let root = document.root else { throw XMLRPCError("the XML document has no root element") }
        return try withExtendedLifetime(document) { () throws(XMLRPCError) in try read(XMLNode(pointer: root)) }
    }

    /// The `<param>` elements of a `<params>` list (blank text between them allowed).
    private static func paramElements(_ list: XMLNode) throws(XMLRPCError) -> [XMLNode] {
        let children = list.children
        guard children.textIsBlank else {
            throw XMLRPCError("line \(list.line): <params> holds text outside <param> elements")
        }
        return children.elements
    }

    /// The one `<value>` element inside `node` (a `<param>` or `<fault>`), which must be named `expected`.
    private static func single(_ node: XMLNode, _ expected: String) throws(XMLRPCError) -> XMLNode {
        guard node.name == expected else {
            throw XMLRPCError("line \(node.line): expected <\(expected)>, found <\(node.name)>")
        }
        let parts = node.children
        let elements = parts.elements
        guard parts.textIsBlank, elements.count == 1 else {
            throw XMLRPCError("line \(node.line): a <\(expected)> holds exactly one <value>")
        }
        return elements[0]
    }
}

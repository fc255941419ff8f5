import XenopsCore

/// Reads an XML-RPC `<value>` into a ``JSONValue`` as ocaml-rpc's `Xmlrpc.of_string` does, so
/// that the xenops codec types it exactly as it types JSON:
///
/// - an untyped `<value>text</value>` is a string; the codec accepts a numeric string where an
///   int, int64 or float is expected, which is how ocaml-rpc (non-strict) sends those;
/// - `<int>`, `<i4>`, `<i8>` are integers, `<double>` a float, `<boolean>` `0`/`1` a bool,
///   `<string>` a string, `<nil/>` null, `<array><data>…</data></array>` an array,
///   `<struct><member><name>…</name><value>…</value></member>…</struct>` an object (member order
///   kept); `<dateTime.iso8601>` is its text and `<base64>` its decoded (UTF-8) text;
/// - empty `<string/>`, `<array/>`, `<struct/>`, `<value/>` are `""`, `[]`, `{}`, `""`.
///
/// Where ocaml-rpc is laxer than useful it is not followed: a `<boolean>` other than
/// `0`/`1`/`true`/`false` is an error rather than false, and surrounding whitespace in a number
/// is allowed.
struct XMLRPCValueReader {
    let limits: JSONLimits

    /// Reads the `<value>` element `node`, at nesting `depth` (0 for a parameter).
    func value(_ node: XMLNode, depth: Int) throws(XMLRPCError) -> JSONValue {
        guard node.isElement, node.name == "value" else {
            throw XMLRPCError("line \(node.line): expected a <value> element, found \(Self.describe(node))")
        }
        let children = node.children
        let elements = children.elements
        if elements.isEmpty { return .string(try checked(children.text, node)) }
        guard elements.count == 1, children.textIsBlank else {
            throw XMLRPCError("line \(node.line): a <value> holds either text or one typed element such as <int> or <struct>, not \(elements.count == 1 ? "text and an element" : "\(elements.count) elements")")
        }
        return try typed(elements[0], depth: depth)
    }

    private func typed(_ node: XMLNode, depth: Int) throws(XMLRPCError) -> JSONValue {
        let name = node.name
        let children = node.children
        switch name {
        case "int", "i4", "i8":
            let text = try scalar(node, children).trimmingXMLSpace
            guard let value = Int64(text) else {
                throw XMLRPCError("line \(node.line): <\(name)> holds \(Self.quote(text)), which is not a 64-bit integer")
            }
            return .int(value)
        case "double":
            let text = try scalar(node, children).trimmingXMLSpace
            guard !text.isEmpty, let value = Double(text) else {
                throw XMLRPCError("line \(node.line): <double> holds \(Self.quote(text)), which is not a number")
            }
            return .double(value)
        case "boolean":
            switch try scalar(node, children).trimmingXMLSpace {
            case "1", "true": return .bool(true)
            case "0", "false": return .bool(false)
            case let other: throw XMLRPCError("line \(node.line): <boolean> holds \(Self.quote(other)); use 1 or 0")
            }
        case "string":
            return .string(try checked(try scalar(node, children), node))
        case "dateTime.iso8601":
            return .string(try checked(try scalar(node, children), node))
        case "base64":
            guard let decoded = Base64.decode(try scalar(node, children)) else {
                throw XMLRPCError("line \(node.line): <base64> does not hold valid base64")
            }
            guard let text = String(validating: decoded, as: UTF8.self) else {
                throw XMLRPCError("line \(node.line): <base64> decodes to bytes that are not UTF-8 text; xenops values are text")
            }
            return .string(try checked(text, node))
        case "nil":
            guard children.elements.isEmpty, children.textIsBlank else {
                throw XMLRPCError("line \(node.line): <nil/> must be empty")
            }
            return .null
        case "value" where children.isEmpty:
            return .string("")  // ocaml-rpc reads <value><value/></value> as ""
        case "array":
            return .array(try array(node, children, depth: depth))
        case "struct":
            return .object(try members(node, children, depth: depth))
        default:
            throw XMLRPCError("line \(node.line): <\(name)> is not an XML-RPC type; expected int, i4, i8, boolean, double, string, dateTime.iso8601, base64, array, struct or nil")
        }
    }

    private func array(_ node: XMLNode, _ children: [XMLNode], depth: Int) throws(XMLRPCError) -> [JSONValue] {
        let elements = children.elements
        guard children.textIsBlank, elements.count <= 1 else {
            throw XMLRPCError("line \(node.line): <array> must hold one <data> element")
        }
        guard let data = elements.first else { return [] }
        guard data.name == "data" else {
            throw XMLRPCError("line \(data.line): <array> must hold <data>, found <\(data.name)>")
        }
        try enter(depth, node)
        let items = data.children
        guard items.textIsBlank else {
            throw XMLRPCError("line \(data.line): <data> holds text outside <value> elements")
        }
        var out: [JSONValue] = []
        for item in items where item.isElement {
            out.append(try value(item, depth: depth + 1))
        }
        return out
    }

    private func members(_ node: XMLNode, _ children: [XMLNode], depth: Int) throws(XMLRPCError) -> [JSONMember] {
        guard children.textIsBlank else {
            throw XMLRPCError("line \(node.line): <struct> holds text outside <member> elements")
        }
        try enter(depth, node)
        var out: [JSONMember] = []
        for member in children where member.isElement {
            guard member.name == "member" else {
                throw XMLRPCError("line \(member.line): <struct> may only hold <member> elements, found <\(member.name)>")
            }
            let parts = member.children
            let elements = parts.elements
            guard parts.textIsBlank, elements.count == 2, elements[0].name == "name" else {
                throw XMLRPCError("line \(member.line): a <member> holds a <name> then a <value>")
            }
            let nameParts = elements[0].children
            guard nameParts.elements.isEmpty else {
                throw XMLRPCError("line \(elements[0].line): <name> must hold text only")
            }
            let key = try checked(nameParts.text, elements[0])
            do throws(XMLRPCError) {
                out.append(JSONMember(key, try value(elements[1], depth: depth + 1)))
            } catch {
                throw error.inside("member \(Self.quote(key))")
            }
        }
        return out
    }

    /// Refuses to go one level deeper than the limit (the same depth as JSON: `[]` is 1).
    private func enter(_ depth: Int, _ node: XMLNode) throws(XMLRPCError) {
        guard depth + 1 <= limits.maxDepth else {
            throw XMLRPCError("line \(node.line): the value nests arrays and structs deeper than the limit of \(limits.maxDepth) levels")
        }
    }

    /// The text of a scalar element, which must not hold elements.
    private func scalar(_ node: XMLNode, _ children: [XMLNode]) throws(XMLRPCError) -> String {
        if let inner = children.elements.first {
            throw XMLRPCError("line \(node.line): <\(node.name)> must hold text, found <\(inner.name)>")
        }
        return children.text
    }

    /// `text`, if within the string limit.
    private func checked(_ text: String, _ node: XMLNode) throws(XMLRPCError) -> String {
        if let limit = limits.maxStringBytes, text.utf8.count > limit {
            throw XMLRPCError("line \(node.line): a string of \(text.utf8.count) bytes is over the limit of \(limit) bytes")
        }
        return text
    }

    static func describe(_ node: XMLNode) -> String {
        node.isElement ? "<\(node.name)>" : "text \(quote(node.text))"
    }

    /// `text` in quotes, cut to a readable length.
    static func quote(_ text: String) -> String {
        let cut = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "\"\(cut)\""
    }
}

extension String {
    /// Without leading and trailing XML whitespace.
    var trimmingXMLSpace: String {
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isXMLSpace($0) }) else { return "" }
        let last = bytes.lastIndex(where: { !isXMLSpace($0) })!
        if first == 0 && last == bytes.count - 1 { return self }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}

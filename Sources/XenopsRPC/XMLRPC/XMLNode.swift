import CLibXML2

/// A read-only view of one node of an ``XMLDocument`` (valid while the document lives).
///
/// Only elements and character data matter to XML-RPC: comments and processing instructions
/// are skipped, as ocaml-rpc's parser (Xmlm) skips them.
struct XMLNode {
    let pointer: xmlNodePtr

    /// The element's local name (a namespace prefix is ignored, as ocaml-rpc ignores it).
    var name: String { pointer.pointee.name.map { String(cString: $0) } ?? "" }

    var isElement: Bool { pointer.pointee.type == XML_ELEMENT_NODE }

    var isText: Bool {
        pointer.pointee.type == XML_TEXT_NODE || pointer.pointee.type == XML_CDATA_SECTION_NODE
    }

    /// The children that are elements or text, in order.
    var children: [XMLNode] {
        var out: [XMLNode] = []
        var next = pointer.pointee.children
        while let node = next {
            let child = XMLNode(pointer: node)
            if child.isElement || child.isText { out.append(child) }
            next = node.pointee.next
        }
        return out
    }

    /// The text of a text node.
    var text: String { pointer.pointee.content.map { String(cString: $0) } ?? "" }

    /// The line the node starts on, for messages.
    var line: Int { Int(xmlGetLineNo(pointer)) }
}

extension [XMLNode] {
    /// The child elements.
    var elements: [XMLNode] { filter(\.isElement) }

    /// The concatenated character data.
    var text: String {
        var out = ""
        for node in self where node.isText { out += node.text }
        return out
    }

    /// Whether every text child is only XML whitespace.
    var textIsBlank: Bool {
        allSatisfy { !$0.isText || $0.text.utf8.allSatisfy(isXMLSpace) }
    }
}

/// XML's whitespace: space, tab, line feed, carriage return.
func isXMLSpace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}

import CLibXML2

/// One parsed XML document: the only owner of a libxml2 `xmlDoc`, freed when it goes.
///
/// The parser is hardened for documents from the network: no DTD (a `<!DOCTYPE` stops the
/// parse before its internal subset is read, so no entity is ever declared, let alone
/// expanded — billion laughs and external entities are impossible), no network access, no
/// XInclude, the input size bounded before any work, UTF-8 only (the encoding declaration is
/// ignored, so markup can never hide in another encoding), and libxml2's own limits on depth
/// and text size left on (no `XML_PARSE_HUGE`).
final class XMLDocument {
    /// The document; never nil.
    let doc: xmlDocPtr

    private init(doc: xmlDocPtr) {
        self.doc = doc
    }

    deinit { xmlFreeDoc(doc) }

    /// The root element.
    var root: xmlNodePtr? { xmlDocGetRootElement(doc) }

    /// The element nesting libxml2 refuses beyond without `XML_PARSE_HUGE`.
    static let parserMaxDepth = 256

    /// Parses `bytes` as one XML document.
    /// - Parameter maxBytes: the largest input accepted, checked before parsing.
    /// - Throws: ``XMLRPCError`` saying what was wrong and where.
    static func parse(_ bytes: UnsafeRawBufferPointer, maxBytes: Int) throws(XMLRPCError) -> XMLDocument {
        LibXML2.initialize()
        guard bytes.count <= maxBytes else {
            throw XMLRPCError("the XML document is \(bytes.count) bytes, over the limit of \(maxBytes) bytes")
        }
        // Blanks (and a UTF-8 byte-order mark) before the document are skipped, as the body
        // sniffing skips them: `<?xml …?>` is only allowed at the very start.
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count, isXMLSpace(bytes[start]) { start += 1 }
        guard let origin = bytes.baseAddress, start < bytes.count else {
            throw XMLRPCError("the XML document is empty")
        }
        let base = origin + start
        let length = bytes.count - start
        guard length <= Int(Int32.max) else { throw XMLRPCError("the XML document is too large") }
        guard let context = xmlNewParserCtxt() else {
            throw XMLRPCError("cannot allocate an XML parser (out of memory)")
        }
        defer { xmlFreeParserCtxt(context) }
        // Stop at `<!DOCTYPE`, before the internal subset (where entities are declared) is read.
        context.pointee.sax.pointee.internalSubset = { userData, _, _, _ in
            guard let userData else { return }
            xmlStopParser(userData.assumingMemoryBound(to: xmlParserCtxt.self))
        }
        let options = Int32(
            XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                | XML_PARSE_NOCDATA.rawValue | XML_PARSE_IGNORE_ENC.rawValue | XML_PARSE_COMPACT.rawValue)
        let doc = xmlCtxtReadMemory(context, base.assumingMemoryBound(to: CChar.self), Int32(length), nil, "UTF-8", options)
        let stopped = context.pointee.errNo == Int32(XML_ERR_USER_STOP.rawValue)
        guard let doc, context.pointee.wellFormed != 0, !stopped else {
            if let doc { xmlFreeDoc(doc) }
            if stopped {
                throw XMLRPCError("the XML document has a <!DOCTYPE> declaration; XML-RPC documents must not have one (DTDs and entities are refused)")
            }
            throw describeFailure(context)
        }
        return XMLDocument(doc: doc)
    }

    /// A message for a parse that failed: what libxml2 found, where, in our words first.
    private static func describeFailure(_ context: xmlParserCtxtPtr) -> XMLRPCError {
        guard let error = xmlCtxtGetLastError(context) else {
            return XMLRPCError("the body is not well-formed XML")
        }
        let line = Int(error.pointee.line), column = Int(error.pointee.int2)
        var detail = error.pointee.message.map { String(cString: $0) } ?? ""
        while detail.last?.isWhitespace == true { detail.removeLast() }
        if detail.contains("Excessive depth") {
            return XMLRPCError("the XML document nests elements deeper than \(parserMaxDepth) levels, far beyond any XML-RPC call")
        }
        if error.pointee.code == Int32(XML_ERR_DOCUMENT_EMPTY.rawValue) {
            return XMLRPCError("the XML document is empty")
        }
        let place = column > 0 ? "line \(line), column \(column)" : "line \(line)"
        return XMLRPCError("the body is not well-formed XML (UTF-8 expected) at \(place): \(detail)")
    }
}

/// libxml2's process-wide state.
enum LibXML2 {
    /// Runs `xmlInitParser` once, before the first parse (libxml2 requires it before use from
    /// several threads).
    static func initialize() { _ = initialized }

    private static let initialized: Bool = {
        xmlInitParser()
        return true
    }()
}

/// A `xenops_url` taken apart: where a migration's API calls and connections go
/// (`http://10.0.0.2/services/xenops?session_id=OpaqueRef:…`, `http://[::1]:8080/services/xenops`).
public struct MigrationURL: Sendable, Hashable {
    /// `http` or `https`, lower-cased.
    public var scheme: String
    /// A host name or address (an IPv6 address without its brackets).
    public var host: String
    public var port: Int
    /// The path, `""` when the URL has none.
    public var path: String
    /// The query without its `?` (`session_id=…`), `""` when absent. Carried on every request
    /// to the destination, as xenopsd does: XAPI authenticates them with it.
    public var query: String

    /// Parses `text`.
    /// - Throws: `Failed_to_contact_remote_service` naming the URL (as xenopsd does).
    public init(_ text: String) throws(XenopsError) {
        // xenopsd names the URL as given; what is wrong with it is for the log.
        func bad(_ why: String) -> XenopsError { .failedToContactRemoteService(text) }
        guard let schemeEnd = text.range(of: "://") else { throw bad("not a URL: expected http://host[:port]/path") }
        scheme = text[..<schemeEnd.lowerBound].lowercased()
        let defaultPort: Int
        switch scheme {
        case "http": defaultPort = 80
        case "https": defaultPort = 443
        default: throw bad("unsupported scheme \"\(scheme.prefix(16))\": use http or https")
        }
        var rest = text[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("an IPv6 address must be closed with ]") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw bad("unexpected text after the IPv6 address") }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw bad("no host") }
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw bad("port \"\(portText.prefix(8))\" is not 1–65535") }
            port = p
        } else {
            port = defaultPort
        }
        if let q = tail.firstIndex(of: "?") {
            path = String(tail[..<q])
            query = String(tail[tail.index(after: q)...])
        } else {
            path = String(tail)
            query = ""
        }
    }

    /// The request target for `suffix` appended to the path: `<path><suffix>?<query>`.
    public func target(appending suffix: String = "") -> String {
        let p = path + suffix
        let base = p.isEmpty ? "/" : p
        return query.isEmpty ? base : base + "?" + query
    }

    /// The `Host:` header value.
    public var hostHeader: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == (scheme == "https" ? 443 : 80) ? h : "\(h):\(port)"
    }

    /// `url` without its query and user info, for logs and errors (the query carries XAPI's
    /// session id, a credential).
    public static func redacted(_ url: String) -> String {
        var text = Substring(url)
        if let q = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<q] }
        if let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].firstIndex(of: "@"),
           !text[schemeEnd.upperBound..<at].contains("/") {
            text = text[..<schemeEnd.upperBound] + text[text.index(after: at)...]
        }
        return String(text.prefix(200))
    }
}

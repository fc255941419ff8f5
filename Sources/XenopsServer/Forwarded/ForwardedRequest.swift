import XenopsCore

/// The HTTP request XAPI hands over with a forwarded connection: the JSON of its
/// `Http.Request.t` (ppx_deriving_rpc), of which xenopsd reads `{path; query;
/// additional_headers; cookie; body?}` (`Xenops_migrate.Forwarded_http_request`).
///
/// As ppx_deriving_rpc does, keys match case-insensitively, other keys (`m`, `version`,
/// `frame`, `close`, `task`, …) are ignored, a `(string * string) list` is an object (or an
/// array of `[k, v]` pairs) and `body` is absent or a string. Older XAPIs named the path `uri`.
public struct ForwardedRequest: Sendable, Hashable {
    /// One `name=value` entry of a query, cookie or header list, in the order sent.
    public struct Pair: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var path: String
    public var query: [Pair]
    public var additionalHeaders: [Pair]
    public var cookie: [Pair]
    public var body: String?

    public init(path: String, query: [Pair] = [], additionalHeaders: [Pair] = [], cookie: [Pair] = [], body: String? = nil) {
        self.path = path
        self.query = query
        self.additionalHeaders = additionalHeaders
        self.cookie = cookie
        self.body = body
    }

    /// The limits a forwarded request is parsed with: XAPI's are a few hundred bytes.
    public static let limits = JSONLimits(maxDepth: 8, maxBytes: 64 << 10)

    /// Decodes the JSON XAPI sent.
    /// - Throws: ``ForwardedRequestError`` saying what is wrong (truncation is told apart, so
    ///   a reader can wait for more bytes).
    public init(json bytes: some Collection<UInt8>) throws(ForwardedRequestError) {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes, limits: Self.limits) } catch {
            throw error.kind == .unexpectedEnd ? .truncated : .invalid("it is not JSON: \(error)")
        }
        guard case .object(let members) = value else {
            throw .invalid("it must be a JSON object (an Http.Request.t), found \(value.kindName)")
        }
        var fields: [String: JSONValue] = [:]
        // ppx_deriving_rpc keeps the last of duplicate keys.
        for member in members { fields[member.key.lowercased()] = member.value }
        guard let pathValue = fields["path"] ?? fields["uri"] else {
            throw .invalid("it has no \"path\"")
        }
        guard case .string(let path) = pathValue else {
            throw .invalid("\"path\" must be a string, found \(pathValue.kindName)")
        }
        self.path = path
        query = try Self.pairs(fields["query"], "query")
        additionalHeaders = try Self.pairs(fields["additional_headers"], "additional_headers")
        cookie = try Self.pairs(fields["cookie"], "cookie")
        switch fields["body"] {
        case nil, .null?: body = nil
        case .string(let text)?: body = text
        case let other?: throw .invalid("\"body\" must be a string, found \(other.kindName)")
        }
    }

    /// A `(string * string) list`: `{"k": "v", …}` or `[["k", "v"], …]`; absent is empty.
    private static func pairs(_ value: JSONValue?, _ field: String) throws(ForwardedRequestError) -> [Pair] {
        switch value {
        case nil, .null?: return []
        case .object(let members)?:
            var out: [Pair] = []
            for member in members {
                guard case .string(let v) = member.value else {
                    throw .invalid("\"\(field)\".\(member.key) must be a string, found \(member.value.kindName)")
                }
                out.append(Pair(member.key, v))
            }
            return out
        case .array(let elements)?:
            var out: [Pair] = []
            for element in elements {
                guard case .array(let kv) = element, kv.count == 2, case .string(let k) = kv[0], case .string(let v) = kv[1] else {
                    throw .invalid("\"\(field)\" must hold [name, value] string pairs")
                }
                out.append(Pair(k, v))
            }
            return out
        case let other?:
            throw .invalid("\"\(field)\" must be an object of strings, found \(other.kindName)")
        }
    }

    /// The cookies as (name, value) tuples, in order.
    public var cookies: [(String, String)] { cookie.map { ($0.name, $0.value) } }

    /// The first header called `name` (case-insensitive), e.g. `traceparent`.
    public func header(_ name: String) -> String? {
        additionalHeaders.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Where xenopsd sends a request with this path (`xenopsd.ml` `handle_received_fd`).
    public var route: ForwardedRoute { ForwardedRoute(path: path) }
}

/// What the forwarded socket does with a connection, by its path.
public enum ForwardedRoute: Sendable, Hashable {
    /// `/services/xenops/migrate/vm/<id>`: the control connection of an incoming migration.
    case receiveVM(id: String)
    /// `/services/xenops/memory/<id>`: the legacy protocol (memory on the same connection).
    case receiveVMLegacy(id: String)
    /// `/services/xenops/migrate/mem/<id>`: the memory connection.
    case receiveMemory(id: String)
    /// `/services/xenops/migrate/vgpu/<id>` or `/services/xenops/migrate-vgpu/<id>`.
    case receiveVGPU(id: String)
    /// Anything else: HTTP 404.
    case notFound

    public init(path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count >= 4, segments[0].isEmpty, segments[1] == "services", segments[2] == "xenops",
              let id = segments.last, !id.isEmpty
        else {
            self = .notFound
            return
        }
        switch Array(segments[3..<(segments.count - 1)]) {
        case ["migrate", "vm"]: self = .receiveVM(id: id)
        case ["memory"]: self = .receiveVMLegacy(id: id)
        case ["migrate", "mem"]: self = .receiveMemory(id: id)
        case ["migrate", "vgpu"], ["migrate-vgpu"]: self = .receiveVGPU(id: id)
        default: self = .notFound
        }
    }
}

/// Why a forwarded request was refused.
public enum ForwardedRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON ended early: more bytes may follow.
    case truncated
    case invalid(String)

    public var description: String {
        switch self {
        case .truncated: return "the forwarded request's JSON is incomplete"
        case .invalid(let why): return "the forwarded request is not an Http.Request.t: \(why)"
        }
    }
}

import XenopsCore

/// A request to the switch, parsed as upstream's `Protocol.In.of_request` does: the method,
/// the path split on `/` with each segment percent-decoded, and the body, which must be empty
/// for every `GET`.
public enum SwitchRequest: Sendable, Equatable {
    case login(String)
    case createPersistent(String)
    case createTransient(String)
    case destroy(String)
    case ack(queue: String, id: Int64)
    case list(prefix: String, aliveOnly: Bool)
    case transfer(from: Int64?, timeout: Double, queues: [String])
    case request(queue: String, replyTo: String, payload: String)
    case response(queue: String, origin: String, id: Int64, payload: String)
    case diagnostics

    /// Why a request could not be parsed.
    public enum ParseError: Error, Equatable {
        /// Nothing at that path for that method (upstream: 404).
        case notFound
        /// A `/transfer` body that is not `{"from"?, "timeout", "queues"}` (upstream raises; 500).
        case badTransfer(String)
    }

    /// Parses one HTTP request.
    public static func parse(method: String, uri: String, body: [UInt8]) throws(ParseError) -> SwitchRequest {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let raw = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard raw.first == "" else { throw .notFound }
        var parts: [String] = []
        for segment in raw.dropFirst() {
            guard let decoded = percentDecode(segment) else { throw .notFound }
            parts.append(decoded)
        }
        let text = String(decoding: body, as: UTF8.self)
        switch (method, body.isEmpty, parts.count) {
        case ("GET", true, 1) where parts[0] == "":
            return .diagnostics
        case ("GET", true, 2):
            switch parts[0] {
            case "login": return .login(parts[1])
            case "persistent": return .createPersistent(parts[1])
            case "transient": return .createTransient(parts[1])
            case "destroy": return .destroy(parts[1])
            case "list": return .list(prefix: parts[1], aliveOnly: false)
            default: throw .notFound
            }
        case ("GET", true, 3):
            if parts[0] == "ack", let id = Int64(parts[2]) { return .ack(queue: parts[1], id: id) }
            if parts[0] == "list", parts[1] == "alive" { return .list(prefix: parts[2], aliveOnly: true) }
            throw .notFound
        case ("POST", _, 1) where parts[0] == "transfer":
            return try parseTransfer(body)
        case ("POST", _, 3) where parts[0] == "request":
            return .request(queue: parts[1], replyTo: parts[2], payload: text)
        case ("POST", _, 4) where parts[0] == "response":
            guard let id = Int64(parts[3]) else { throw .notFound }
            return .response(queue: parts[1], origin: parts[2], id: id, payload: text)
        default:
            throw .notFound
        }
    }

    /// `{"from": "<n>"?, "timeout": <float>, "queues": [<name>…]}`; `from` is a string (an
    /// int64 as text), absent on the first call.
    private static func parseTransfer(_ body: [UInt8]) throws(ParseError) -> SwitchRequest {
        guard let json = try? JSONValue.parse(body) else { throw .badTransfer("the body is not JSON") }
        var from: Int64?
        switch json["from"] {
        case nil, .null?: from = nil
        case .string(let s)?:
            guard let n = Int64(s) else { throw .badTransfer("\"from\" is \"\(s)\", not an integer") }
            from = n
        case let other?: throw .badTransfer("\"from\" must be a string, found \(other.kindName)")
        }
        let timeout: Double
        switch json["timeout"] {
        case .double(let d)?: timeout = d
        case .int(let n)?: timeout = Double(n)
        default: throw .badTransfer("\"timeout\" must be a number")
        }
        guard let list = json["queues"]?.arrayElements else { throw .badTransfer("\"queues\" must be a list") }
        var queues: [String] = []
        for case .string(let name) in list { queues.append(name) }
        guard queues.count == list.count else { throw .badTransfer("\"queues\" must hold strings") }
        return .transfer(from: from, timeout: timeout, queues: queues)
    }

    /// Decodes `%XX` escapes; `nil` for a malformed escape.
    static func percentDecode(_ segment: String) -> String? {
        guard segment.contains("%") else { return segment }
        var bytes: [UInt8] = []
        var iterator = Array(segment.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Whether the request is allowed on a connection that has not logged in.
    var allowedWithoutSession: Bool {
        switch self {
        case .login, .diagnostics: return true
        default: return false
        }
    }
}

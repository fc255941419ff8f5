import XenopsCore

/// The client side of the message-switch wire protocol (xen-api
/// `ocaml/message-switch/core/protocol.ml`): the requests a server sends and the `/transfer`
/// reply it reads. Every request is HTTP/1.1 with a `content-length` (0 for a GET); any status
/// other than 200 is an error.
enum SwitchOperation: Sendable, Equatable {
    /// `GET /login/<token>`: ties this connection to a session. Needed on every connection.
    case login(token: String)
    /// `GET /persistent/<queue>`: declares a queue that outlives its creator.
    case createPersistent(queue: String)
    /// `GET /list/<prefix>`: the names of the queues that start with `prefix` (a JSON list).
    case list(prefix: String)
    /// `GET /destroy/<queue>`.
    case destroy(queue: String)
    /// `POST /transfer`: waits up to `timeout` seconds for messages newer than `from`.
    case transfer(from: String?, timeout: Double, queues: [String])
    /// `POST /response/<replyTo>/<queue>/<id>`: the reply to message `(queue, id)`.
    case response(replyTo: String, queue: String, id: Int64, body: [UInt8])
    /// `GET /ack/<queue>/<id>`: the message is done; the switch forgets it.
    case ack(queue: String, id: Int64)

    var method: String {
        switch self {
        case .transfer, .response: return "POST"
        default: return "GET"
        }
    }

    /// The request path, each name percent-encoded as `Uri.make ~path` does.
    var path: String {
        switch self {
        case .login(let token): return "/login/" + Self.encode(token)
        case .createPersistent(let queue): return "/persistent/" + Self.encode(queue)
        case .list(let prefix): return "/list/" + Self.encode(prefix)
        case .destroy(let queue): return "/destroy/" + Self.encode(queue)
        case .transfer: return "/transfer"
        case .response(let replyTo, let queue, let id, _): return "/response/\(Self.encode(replyTo))/\(Self.encode(queue))/\(id)"
        case .ack(let queue, let id): return "/ack/\(Self.encode(queue))/\(id)"
        }
    }

    /// The request body (empty for a GET).
    var body: [UInt8] {
        switch self {
        case .transfer(let from, let timeout, let queues):
            // `from` is a string and left out when absent (an option record field in ocaml-rpc).
            var members: [JSONMember] = []
            if let from { members.append(JSONMember("from", .string(from))) }
            members.append(JSONMember("timeout", .double(timeout)))
            members.append(JSONMember("queues", .array(queues.map { .string($0) })))
            return Array(JSONValue.object(members).jsonString.utf8)
        case .response(_, _, _, let body):
            return body
        default:
            return []
        }
    }

    /// A short name for logs.
    var summary: String { "\(method) \(path)" }

    /// Characters a path segment keeps as they are (RFC 3986 `pchar` minus `/`).
    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("-._~!$&'()*+,;=:@".utf8).contains(byte)
        }
    }

    /// Percent-encodes one path segment.
    static func encode(_ segment: String) -> String {
        var out = ""
        out.reserveCapacity(segment.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in segment.utf8 {
            if isPlain(byte) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}

/// One message from a `/transfer` reply: `[["<queue>", <id>], {"payload": "<text>", "kind": …}]`.
struct SwitchMessage: Sendable, Equatable {
    /// Who wants an answer, and where to send it.
    enum Kind: Sendable, Equatable {
        /// `["Request", "<reply queue>"]`.
        case request(replyTo: String)
        /// `["Response", ["<queue>", <id>]]`: the answer to message `(queue, id)`.
        case response(queue: String, id: Int64)
    }

    var queue: String
    var id: Int64
    /// The message body: for a request, the JSON-RPC call text (a JSON string on the wire).
    var payload: String
    var kind: Kind
}

/// The reply to `POST /transfer`: `{"messages": […], "next": "<id>"}`.
struct SwitchTransfer: Sendable, Equatable {
    var messages: [SwitchMessage]
    /// The `from` of the next `/transfer`.
    var next: String

    /// What is wrong with a `/transfer` reply.
    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// Decodes a `/transfer` reply body.
    static func decode(_ body: [UInt8], limits: JSONLimits) throws(DecodeError) -> SwitchTransfer {
        let json: JSONValue
        do { json = try JSONValue.parse(body, limits: limits) } catch {
            throw DecodeError(description: "the /transfer reply is not JSON: \(error)")
        }
        guard case .string(let next)? = json["next"] else {
            throw DecodeError(description: "the /transfer reply has no \"next\" string")
        }
        guard let list = json["messages"]?.arrayElements else {
            throw DecodeError(description: "the /transfer reply has no \"messages\" list")
        }
        var messages: [SwitchMessage] = []
        messages.reserveCapacity(list.count)
        for entry in list {
            guard let pair = entry.arrayElements, pair.count == 2, let (queue, id) = messageID(pair[0]) else {
                throw DecodeError(description: "a /transfer message is not [[queue, id], message]: \(entry.jsonString.prefix(200))")
            }
            guard case .string(let payload)? = pair[1]["payload"] else {
                throw DecodeError(description: "message (\(queue), \(id)) has no \"payload\" string")
            }
            guard let kind = pair[1]["kind"].flatMap(Self.kind) else {
                throw DecodeError(description: "message (\(queue), \(id)) has no \"kind\" [\"Request\", queue] or [\"Response\", [queue, id]]")
            }
            messages.append(SwitchMessage(queue: queue, id: id, payload: payload, kind: kind))
        }
        return SwitchTransfer(messages: messages, next: next)
    }

    /// `["<queue>", <id>]`.
    private static func messageID(_ value: JSONValue) -> (String, Int64)? {
        guard let parts = value.arrayElements, parts.count == 2, case .string(let queue) = parts[0] else { return nil }
        switch parts[1] {
        case .int(let n): return (queue, n)
        case .string(let s): return Int64(s).map { (queue, $0) }  // ocaml-rpc accepts an int64 as a string
        default: return nil
        }
    }

    /// A variant, its tag matched case-insensitively as ocaml-rpc does.
    private static func kind(_ value: JSONValue) -> SwitchMessage.Kind? {
        guard let parts = value.arrayElements, parts.count == 2, case .string(let tag) = parts[0] else { return nil }
        switch tag.lowercased() {
        case "request":
            guard case .string(let replyTo) = parts[1] else { return nil }
            return .request(replyTo: replyTo)
        case "response":
            return messageID(parts[1]).map { .response(queue: $0.0, id: $0.1) }
        default:
            return nil
        }
    }
}

extension SwitchTransfer {
    /// Makes sure a JSON-RPC reply has an `"id"` XAPI can read. ocaml-rpc's client cannot parse
    /// a reply whose id is `null` (XAPI would then wait for ever), which is what the renderer
    /// echoes for a request that could not be decoded; OCaml xenopsd answers `0` on the switch.
    /// The renderer writes `id` last, so only the tail needs looking at.
    static func replyWithUsableID(_ reply: [UInt8]) -> [UInt8] {
        let nullTail = Array(#","id":null}"#.utf8)
        guard reply.count >= nullTail.count, reply.suffix(nullTail.count).elementsEqual(nullTail) else { return reply }
        return Array(reply.dropLast(nullTail.count)) + Array(#","id":0}"#.utf8)
    }
}

import XenopsCore

/// Which RPC dialect a request used; the reply uses the same.
public enum RPCFlavour: Sendable, Hashable {
    /// ocaml-rpc's "V1", as XAPI sends it: no `jsonrpc` member, `params: [{…}]`,
    /// reply `{"result","error","id"}` with the xenops error value in `error`.
    case v1
    /// JSON-RPC 2.0: `params` object or array; errors as `{code, message, data}`.
    case v2
    /// XML-RPC as ocaml-rpc writes it (XAPI with `use-switch=false`, and cross-host calls):
    /// `<methodCall>` in, a XenAPI-style `{Status, Value | ErrorDescription}` struct out.
    case xmlrpc
}

/// A decoded call (JSON-RPC or XML-RPC).
public struct RPCRequest: Sendable {
    public var method: String
    public var params: RPCParams
    /// The request id, echoed in the reply (`null` when absent).
    public var id: JSONValue
    public var flavour: RPCFlavour

    public init(method: String, params: RPCParams, id: JSONValue = .int(0), flavour: RPCFlavour = .v1) {
        self.method = method
        self.params = params
        self.id = id
        self.flavour = flavour
    }

    /// Decodes a request body: XML-RPC when its first non-blank byte is `<`, JSON-RPC
    /// otherwise (XAPI sends no Content-Type, so the body decides). Throws an ``RPCFailure``
    /// that can be sent back as is, in the flavour the body was in.
    public static func decode(_ body: some Collection<UInt8>, limits: JSONLimits = .default) throws(RPCFailure) -> RPCRequest {
        if RPCEncoding.sniff(body) == .xml { return try decodeXML(body, limits: limits) }
        let json: JSONValue
        do { json = try JSONValue.parse(body, limits: limits) } catch {
            throw RPCFailure(.parseError("the request body is not valid JSON: \(error)"), flavour: .v1, id: .null)
        }
        return try decode(json)
    }

    /// Decodes a request from its JSON.
    public static func decode(_ json: JSONValue) throws(RPCFailure) -> RPCRequest {
        guard case .object(let members) = json else {
            throw RPCFailure(.invalidRequest("a JSON-RPC request must be an object, found \(json.kindName)"), flavour: .v1, id: .null)
        }
        var method: String?
        var params: JSONValue?
        var id: JSONValue = .null
        var version: JSONValue?
        for m in members {
            switch m.key {
            case "method": if case .string(let s) = m.value { method = s }
            case "params": params = m.value
            case "id": id = m.value
            case "jsonrpc": version = m.value
            default: break
            }
        }
        let flavour: RPCFlavour = version == nil ? .v1 : .v2
        if let version, version != .string("2.0") {
            throw RPCFailure(.invalidRequest("unsupported \"jsonrpc\" version \(version.jsonString); use \"2.0\" or omit the member"), flavour: .v2, id: id)
        }
        guard let method, !method.isEmpty else {
            throw RPCFailure(.invalidRequest("the request has no \"method\" string"), flavour: flavour, id: id)
        }
        let decoded: RPCParams
        switch params {
        case nil, .null?:
            decoded = RPCParams(named: [], positional: [])
        case .object(let named)?:
            decoded = RPCParams(named: named, positional: [])
        case .array(let list)?:
            decoded = RPCParams(list: list)
        case let other?:
            throw RPCFailure(.invalidRequest("\"params\" must be an array or an object, found \(other.kindName)"), flavour: flavour, id: id)
        }
        return RPCRequest(method: method, params: decoded, id: id, flavour: flavour)
    }
}

/// Decoding XML-RPC calls.
extension RPCRequest {
    /// Decodes an XML-RPC `<methodCall>` body. Its values become the JSON the JSON-RPC path
    /// would have produced (an untyped `<value>42</value>` is the string "42", which the codec
    /// accepts where an int is expected), so one dispatcher serves both.
    public static func decodeXML(_ body: some Collection<UInt8>, limits: JSONLimits = .default) throws(RPCFailure) -> RPCRequest {
        let call: XMLRPC.Call
        do { call = try XMLRPC.decodeCall(body, limits: limits) } catch {
            throw RPCFailure(.parseError("the request body is not a valid XML-RPC call: \(error.message)"), flavour: .xmlrpc, id: .null)
        }
        return RPCRequest(method: call.method, params: RPCParams(list: call.params), id: .null, flavour: .xmlrpc)
    }
}

/// The parameters of a call: named (matched case-insensitively, as ocaml-rpc does) and positional.
public struct RPCParams: Sendable {
    private var named: [String: JSONValue]
    public var positional: [JSONValue]

    public init(named: [JSONMember], positional: [JSONValue]) {
        var map: [String: JSONValue] = [:]
        map.reserveCapacity(named.count)
        for m in named {
            let key = m.key.lowercased()
            if map[key] == nil { map[key] = m.value }
        }
        self.named = map
        self.positional = positional
    }

    /// Parameters as ocaml-rpc sends them in a list: every named parameter in one object
    /// first, unnamed ones after it.
    public init(list: [JSONValue]) {
        if case .object(let named)? = list.first {
            self.init(named: named, positional: Array(list.dropFirst()))
        } else {
            self.init(named: [], positional: list)
        }
    }

    /// The raw value of a named parameter.
    public subscript(name: String) -> JSONValue? { named[name] }

    /// Whether the call carried named parameters at all.
    public var hasNamed: Bool { !named.isEmpty }

    /// Sets a named parameter (used to upgrade legacy positional calls).
    public mutating func set(_ name: String, _ value: JSONValue) { named[name] = value }
}

/// A reply to a call: a result value, or a xenops error.
public enum RPCOutcome: Sendable {
    case success(JSONValue)
    case failure(RPCError)
}

/// Why a call failed, in the terms of both JSON-RPC flavours.
public enum RPCError: Error, Sendable, Hashable {
    /// The body is not JSON.
    case parseError(String)
    /// The JSON is not a JSON-RPC request.
    case invalidRequest(String)
    /// No method of that name.
    case methodNotFound(String)
    /// A parameter is missing or has the wrong shape.
    case invalidParams(method: String, message: String)
    /// The method ran and failed with a xenops error.
    case xenops(XenopsError)

    /// The xenops error value for a V1 reply (XAPI expects an `Errors.error` there).
    public var xenopsError: XenopsError {
        switch self {
        case .parseError(let m): return .internalError("malformed request: \(m)")
        case .invalidRequest(let m): return .internalError("invalid JSON-RPC request: \(m)")
        case .methodNotFound(let name): return .internalError("unknown method '\(name)'. Method names are case-sensitive (e.g. 'VM.start', 'Task.stat', 'query'); see Docs/api.md for the list.")
        case .invalidParams(let method, let m): return .internalError("\(method): \(m)")
        case .xenops(let e): return e
        }
    }

    /// The JSON-RPC 2.0 error code.
    public var code: Int {
        switch self {
        case .parseError: return -32700
        case .invalidRequest: return -32600
        case .methodNotFound: return -32601
        case .invalidParams: return -32602
        case .xenops: return -32000
        }
    }

    /// A one-line human message.
    public var message: String {
        switch self {
        case .xenops(let e): return e.message
        default: return xenopsError.message
        }
    }
}

/// An error raised before a method ran, with what is needed to reply to it.
public struct RPCFailure: Error, Sendable {
    public var error: RPCError
    public var flavour: RPCFlavour
    public var id: JSONValue

    public init(_ error: RPCError, flavour: RPCFlavour, id: JSONValue) {
        self.error = error
        self.flavour = flavour
        self.id = id
    }
}

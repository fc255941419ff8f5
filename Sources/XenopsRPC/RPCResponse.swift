import XenopsCore

/// Renders replies in the request's flavour (JSON-RPC V1, 2.0, or XML-RPC).
public enum RPCResponse {
    /// The reply body for an outcome.
    public static func render(_ outcome: RPCOutcome, flavour: RPCFlavour, id: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        render(outcome, flavour: flavour, id: id, into: &out)
        return out
    }

    /// Appends the reply body for an outcome to `out`.
    public static func render(_ outcome: RPCOutcome, flavour: RPCFlavour, id: JSONValue, into out: inout [UInt8]) {
        let members: [JSONMember]
        switch (flavour, outcome) {
        case (.xmlrpc, .success(let value)):
            XMLRPC.encodeReply(.success(value), into: &out)
            return
        case (.xmlrpc, .failure(let error)):
            XMLRPC.encodeReply(.failure(error.xenopsError.xenops), into: &out)
            return
        case (.v1, .success(let value)):
            members = [JSONMember("result", value), JSONMember("error", .null), JSONMember("id", id)]
        case (.v1, .failure(let error)):
            members = [JSONMember("result", .null), JSONMember("error", error.xenopsError.xenops), JSONMember("id", id)]
        case (.v2, .success(let value)):
            members = [JSONMember("jsonrpc", .string("2.0")), JSONMember("result", value), JSONMember("id", id)]
        case (.v2, .failure(let error)):
            let detail: [JSONMember] = [
                JSONMember("code", .int(Int64(error.code))),
                JSONMember("message", .string(error.message)),
                JSONMember("data", error.xenopsError.xenops),
            ]
            members = [JSONMember("jsonrpc", .string("2.0")), JSONMember("error", .object(detail)), JSONMember("id", id)]
        }
        JSONValue.object(members).serialize(into: &out)
    }

    /// The reply to a request that failed before dispatch.
    public static func render(_ failure: RPCFailure) -> [UInt8] {
        render(.failure(failure.error), flavour: failure.flavour, id: failure.id)
    }

    /// Decodes a reply (the client side). V1 `{"result": v, "error": null}` is success,
    /// `{"result": null, "error": e}` failure; a 2.0 error carries the xenops error in `data`.
    public static func decode(_ json: JSONValue) throws(RPCError) -> RPCOutcome {
        guard case .object = json else { throw .invalidRequest("the reply is not a JSON object") }
        if let error = json["error"], error != .null {
            if case .object = error {
                if let data = error["data"], let xenops = try? XenopsError(xenops: data) { return .failure(.xenops(xenops)) }
                return .failure(.xenops(.internalError(error["message"]?.stringValue ?? "unknown error")))
            }
            return .failure(.xenops((try? XenopsError(xenops: error)) ?? .unknownError))
        }
        return .success(json["result"] ?? .null)
    }

    /// Decodes an XML-RPC reply (the client side), as xenopsd's `Xcp_client.xml_http_rpc`
    /// does: `{Status: "Success", Value: v}` is success, `{Status: "Failure",
    /// ErrorDescription: e}` the xenops error `e`; a `<fault>` is an internal error.
    public static func decodeXML(_ body: some Collection<UInt8>, limits: JSONLimits = .default) throws(XMLRPCError) -> RPCOutcome {
        switch try XMLRPC.decodeReply(body, limits: limits) {
        case .success(let value):
            return .success(value)
        case .failure(let error):
            return .failure(.xenops((try? XenopsError(xenops: error)) ?? .internalError("the remote call failed with an error this daemon cannot read: \(error.jsonString)")))
        case .fault(let code, let message):
            return .failure(.xenops(.internalError("the remote end answered with XML-RPC fault \(code.jsonString): \(message.stringValue ?? message.jsonString)")))
        }
    }
}

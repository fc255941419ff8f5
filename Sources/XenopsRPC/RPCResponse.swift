import XenopsCore

/// Renders JSON-RPC replies in the request's flavour.
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
}

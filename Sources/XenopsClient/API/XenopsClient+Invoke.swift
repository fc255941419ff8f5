import XenopsCore

extension XenopsClient {
    /// Calls `method` and decodes its result as `T`.
    func invoke<T: XenopsCodable>(_ method: String, _ p: [JSONMember] = [], as type: T.Type = T.self) async throws(XenopsClientError) -> T {
        try Self.decode(try await call(method, p), as: T.self, method: method)
    }

    /// Calls a method that returns unit.
    func invokeUnit(_ method: String, _ p: [JSONMember] = []) async throws(XenopsClientError) {
        _ = try await call(method, p)
    }

    /// Calls a method that returns a list of `[config, state]` pairs.
    func invokePairs<A: XenopsCodable, B: XenopsCodable>(_ method: String, _ p: [JSONMember], _ a: A.Type, _ b: B.Type) async throws(XenopsClientError) -> [(A, B)] {
        let value = try await call(method, p)
        guard case .array(let list) = value else { throw .protocol("\(method) returned \(value.kindName), expected a list of pairs") }
        var out: [(A, B)] = []
        out.reserveCapacity(list.count)
        for element in list { out.append(try Self.decodePair(element, A.self, B.self, method: method)) }
        return out
    }

    /// Calls a method that returns one `[config, state]` pair.
    func invokePair<A: XenopsCodable, B: XenopsCodable>(_ method: String, _ p: [JSONMember], _ a: A.Type, _ b: B.Type) async throws(XenopsClientError) -> (A, B) {
        try Self.decodePair(try await call(method, p), A.self, B.self, method: method)
    }

    static func decodePair<A: XenopsCodable, B: XenopsCodable>(_ value: JSONValue, _ a: A.Type, _ b: B.Type, method: String) throws(XenopsClientError) -> (A, B) {
        guard case .array(let e) = value, e.count == 2 else { throw .protocol("\(method) returned \(value.kindName), expected a [config, state] pair") }
        return (try decode(e[0], as: A.self, method: method), try decode(e[1], as: B.self, method: method))
    }

    /// The task id a task-kind method returns.
    func invokeTask(_ method: String, _ p: [JSONMember]) async throws(XenopsClientError) -> String {
        try await invoke(method, p, as: String.self)
    }
}

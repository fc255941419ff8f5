import XenopsCore

/// One method of the API: its wire name, how it runs, its parameters and its handler.
public struct RPCMethod: Sendable {
    /// Whether the method answers directly or returns a task id.
    public enum Kind: String, Sendable {
        case sync, task
        /// Listed in the xenops interface but not provided by this daemon.
        case unimplemented
    }

    /// A named parameter.
    public struct Param: Sendable, Hashable {
        public var name: String
        /// The xenops type, for docs and error messages (e.g. `"string (VM uuid)"`).
        public var type: String
        /// Whether the key may be absent (`option` parameters).
        public var optional: Bool

        public init(_ name: String, _ type: String, optional: Bool = false) {
            self.name = name
            self.type = type
            self.optional = optional
        }
    }

    public typealias Handler = @Sendable (RPCArguments, any XenopsService) async throws(XenopsError) -> JSONValue

    public var name: String
    public var kind: Kind
    /// Parameters after `debug_info`.
    public var params: [Param]
    /// What it does, one line (used in Docs/api.md and `xenopsctl` help).
    public var summary: String
    /// Whether a call may wait for a long time for something to happen (`UPDATES.get`): such
    /// a call is answered at once, with what it has, when the daemon shuts down.
    public var longPoll: Bool
    public var handler: Handler

    public init(_ name: String, _ kind: Kind, _ params: [Param], _ summary: String, longPoll: Bool = false, handler: @escaping Handler) {
        self.name = name
        self.kind = kind
        self.params = params
        self.summary = summary
        self.longPoll = longPoll
        self.handler = handler
    }
}

/// The parameters of one call, with typed accessors that report what was wrong.
public struct RPCArguments: Sendable {
    public let method: String
    public let params: RPCParams
    private let spec: [RPCMethod.Param]

    init(method: String, params: RPCParams, spec: [RPCMethod.Param]) {
        self.method = method
        self.params = params
        self.spec = spec
    }

    /// `debug_info`, or `""` when a lenient client left it out.
    public var dbg: String {
        if case .string(let s)? = params["debug_info"] { return s }
        return ""
    }

    /// A required parameter.
    public func required<T: XenopsCodable>(_ name: String, as: T.Type = T.self) throws(XenopsError) -> T {
        guard let value = params[name] else {
            throw .internalError("\(method): parameter '\(name)' is missing (expected \(typeName(name))). Parameters go in one object: \"params\": [{\"debug_info\": \"…\", \"\(name)\": …}]")
        }
        return try decode(name, value)
    }

    /// An optional parameter: absent (or `null`) is `nil`.
    public func optional<T: XenopsCodable>(_ name: String, as: T.Type = T.self) throws(XenopsError) -> T? {
        guard let value = params[name], value != .null else { return nil }
        return try decode(name, value)
    }

    /// A device id parameter `[vm, name]`.
    public func deviceID(_ name: String = "id") throws(XenopsError) -> DeviceID {
        try required(name, as: DeviceID.self)
    }

    private func decode<T: XenopsCodable>(_ name: String, _ value: JSONValue) throws(XenopsError) -> T {
        do { return try T(xenops: value) } catch let error as XenopsDecodeError {
            throw .internalError("\(method): parameter '\(name)' is wrong (expected \(typeName(name))): \(error.description)")
        } catch {
            throw .internalError("\(method): parameter '\(name)' is wrong: \(error)")
        }
    }

    private func typeName(_ name: String) -> String {
        spec.first { $0.name == name }?.type ?? "a value"
    }
}

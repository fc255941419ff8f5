import Synchronization
import XenopsCore
import XenopsRPC

/// A typed async client for the xenops JSON-RPC API over xenopsd's Unix socket.
///
/// Requests are JSON-RPC "v1" exactly as XAPI sends them:
/// `{"method":"VM.start","params":[{"debug_info":"…","id":"…","paused":false}],"id":7}`,
/// carried by HTTP/1.1 `POST /` on keep-alive connections from a small pool. Each typed method
/// maps to one API method; ``call(_:_:timeout:)`` reaches any method by name. Blocking socket
/// I/O runs on a dedicated dispatch queue per connection, never on the cooperative pool.
///
/// ```swift
/// let client = XenopsClient(debugInfo: "my-tool")
/// let task = try await client.vmStart(uuid)
/// let info = try await client.waitForTask(task)
/// ```
public final class XenopsClient: Sendable {
    /// Where xenopsd listens by default.
    public static let defaultSocketPath = "/run/xenopsd-ng/xenopsd.sock"

    /// Connection and timing settings.
    public struct Configuration: Sendable {
        /// How long to wait for `connect(2)` when the daemon's backlog is full.
        public var connectTimeout: Duration = .seconds(5)
        /// How long a call may take before ``XenopsClientError/timeout(_:)``; `nil` waits for
        /// ever. Some synchronous methods (`VM.remove`, `VM.import_metadata` of a known VM) wait
        /// for the VM's queue, which xenopsd bounds at 1200 s.
        public var requestTimeout: Duration? = .seconds(1260)
        /// Idle keep-alive connections kept for reuse.
        public var maxIdleConnections = 4
        /// Sent as the HTTP `User-Agent`.
        public var userAgent = "xenops-client"

        /// The defaults: 5 s to connect, 1260 s per call, 4 idle connections.
        public init() {}
    }

    /// The Unix socket path.
    public let socketPath: String
    /// The `debug_info` sent with every call (xenopsd logs it and stores it in tasks).
    public let debugInfo: String
    /// The timeouts and pool size this client was made with.
    public let configuration: Configuration
    private let pool: ConnectionPool
    private let nextRequestID = Atomic<Int64>(1)

    /// Creates a client. No connection is made until the first call.
    /// - Parameters:
    ///   - socketPath: the daemon's socket, by default ``defaultSocketPath``.
    ///   - debugInfo: the `debug_info` for every call, e.g. `"xenopsctl vm start"`.
    ///   - configuration: timeouts and pool size.
    public init(socketPath: String = XenopsClient.defaultSocketPath, debugInfo: String = "xenops-client", configuration: Configuration = Configuration()) {
        self.socketPath = socketPath
        self.debugInfo = debugInfo
        self.configuration = configuration
        pool = ConnectionPool(socketPath: socketPath, connectTimeout: configuration.connectTimeout, maxIdle: configuration.maxIdleConnections)
    }

    /// Closes the idle connections; later calls open new ones.
    public func closeIdleConnections() {
        pool.closeIdle()
    }

    /// Calls any API method by its wire name and returns the raw result.
    ///
    /// - Parameters:
    ///   - method: the case-sensitive wire name, e.g. `"VM.stat"`, `"Task.list"`, `"query"`.
    ///   - params: the named parameters after `debug_info`, in order; `debug_info` is added first.
    ///   - timeout: overrides ``Configuration/requestTimeout`` for this call.
    /// - Throws: ``XenopsClientError/xenops(_:)`` when the daemon replies with a xenops error,
    ///   and the other cases when it cannot be reached or replies with something else.
    public func call(_ method: String, _ params: [JSONMember] = [], timeout: Duration? = nil) async throws(XenopsClientError) -> JSONValue {
        try await perform(method, params, timeout: timeout ?? configuration.requestTimeout)
    }

    /// The request body for a call: JSON-RPC v1 with every parameter in one object at `params[0]`.
    public static func requestBody(method: String, debugInfo: String, params: [JSONMember], id: Int64) -> [UInt8] {
        let named = [JSONMember("debug_info", .string(debugInfo))] + params
        let request = JSONValue.object([
            JSONMember("method", .string(method)),
            JSONMember("params", .array([.object(named)])),
            JSONMember("id", .int(id)),
        ])
        return request.serialized()
    }

    /// Interprets an HTTP response carrying a JSON-RPC reply.
    static func decodeReply(_ response: HTTPResponse, method: String) throws(XenopsClientError) -> JSONValue {
        let json: JSONValue
        do { json = try JSONValue.parse(response.body) } catch {
            if response.status != 200 {
                throw .protocol("\(method): HTTP \(response.status) \(response.reason)\(Self.snippet(response.body))")
            }
            throw .protocol("\(method): the reply is not JSON (\(error))\(Self.snippet(response.body))")
        }
        guard case .object = json, json["result"] != nil || json["error"] != nil else {
            if response.status != 200 { throw .protocol("\(method): HTTP \(response.status) \(response.reason)\(Self.snippet(response.body))") }
            throw .protocol("\(method): the reply is not a JSON-RPC response\(Self.snippet(response.body))")
        }
        let outcome: RPCOutcome
        do { outcome = try RPCResponse.decode(json) } catch { throw .protocol("\(method): \(error.message)") }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw .xenops(error.xenopsError)
        }
    }

    /// Decodes a result into a typed value, reporting a mismatch as a protocol error.
    static func decode<T: XenopsCodable>(_ value: JSONValue, as type: T.Type = T.self, method: String) throws(XenopsClientError) -> T {
        do { return try T(xenops: value) } catch {
            throw .protocol("\(method) returned an unexpected value: \(error)")
        }
    }

    func perform(_ method: String, _ params: [JSONMember], timeout: Duration?) async throws(XenopsClientError) -> JSONValue {
        let id = nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue
        let body = Self.requestBody(method: method, debugInfo: debugInfo, params: params, id: id)
        let request = HTTPRequestWriter.post(body: body, userAgent: configuration.userAgent)
        let response: HTTPResponse
        do { response = try await pool.roundTrip(request, timeout: timeout) } catch {
            throw XenopsClientError.from(error, socket: socketPath, waitingFor: "waiting for \(method)")
        }
        return try Self.decodeReply(response, method: method)
    }

    private static func snippet(_ body: [UInt8]) -> String {
        guard !body.isEmpty else { return "" }
        let text = String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        return ": " + text + (body.count > 200 ? "…" : "")
    }
}

/// Builds a parameter list, leaving out `nil` values (ocaml-rpc omits `None` options).
func params(_ pairs: (String, JSONValue?)...) -> [JSONMember] {
    pairs.compactMap { name, value in value.map { JSONMember(name, $0) } }
}

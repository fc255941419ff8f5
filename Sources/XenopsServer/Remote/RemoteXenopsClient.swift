import Foundation
import Logging
import NIOCore
import NIOPosix
import XenopsCore
import XenopsRPC

/// Calls another host's xenops service the way xenopsd does during a migration
/// (`Xcp_client.xml_http_rpc`): an XML-RPC `POST` to a `xenops_url` such as
/// `http://10.0.0.2/services/xenops?session_id=OpaqueRef:…` (path and query sent as given),
/// decoding the XenAPI-style reply into a result or the remote `XenopsError`.
///
/// Non-blocking (SwiftNIO on a TCP socket), with a connect timeout and a read timeout (the
/// longest silence allowed while waiting for the reply). Any failure to reach the remote end or
/// to read its reply is `Failed_to_contact_remote_service url`, as in xenopsd; the cause is
/// logged. Plain HTTP only: `https://` URLs get `Unimplemented` (xenopsd reaches them through
/// stunnel or kTLS, which this daemon does not do yet).
public struct RemoteXenopsClient: Sendable {
    /// The URL as given (used in errors, as xenopsd uses it).
    public let url: String
    let target: Target
    public let connectTimeout: Duration
    public let readTimeout: Duration
    /// The largest reply accepted.
    public let maxReplyBytes: Int
    let group: any EventLoopGroup
    let logger: Logger

    /// Where to connect and what to put in the request line.
    struct Target: Sendable, Equatable {
        var host: String
        var port: Int
        /// `Host:` header value.
        var hostHeader: String
        /// The request target: the URL's path (or `/`) and query, as given.
        var resource: String
        /// `Authorization: Basic …` from `user:password@` in the URL, as xenopsd sends it.
        var authorization: String?
    }

    /// A client for `url`.
    /// - Throws: `Unimplemented` for `https://`, `Internal_error` for a URL that is not `http://host…`.
    public init(
        url: String, connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(300),
        maxReplyBytes: Int = 16 << 20, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "xenopsd.remote")
    ) throws(XenopsError) {
        self.url = url
        target = try Self.parse(url)
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxReplyBytes = maxReplyBytes
        self.group = group
        self.logger = logger
    }

    /// Calls `method` with named parameters (`debug_info` first, as ocaml-rpc's client sends it)
    /// and returns its result.
    /// - Throws: the remote `XenopsError`, or `Failed_to_contact_remote_service url`.
    public func call(_ method: String, debugInfo: String, _ params: [JSONMember] = []) async throws(XenopsError) -> JSONValue {
        let named = JSONValue.object([JSONMember("debug_info", .string(debugInfo))] + params)
        let body = XMLRPC.encodeCall(.init(method: method, params: [named]))
        let reply: RemoteHTTPReply
        do {
            reply = try await RemoteHTTPExchange.run(body: body, target: target, client: self)
        } catch {
            throw unreachable(method, because: error.description)
        }
        guard reply.status == 200 else {
            throw unreachable(method, because: "HTTP status \(reply.status)")
        }
        let outcome: RPCOutcome
        switch RPCEncoding.sniff(reply.body) {
        case .xml:
            do { outcome = try RPCResponse.decodeXML(reply.body) } catch {
                throw unreachable(method, because: "the reply is not XML-RPC: \(error.message)")
            }
        case .json:
            // A proxy that answers in JSON-RPC is understood as well.
            do { outcome = try RPCResponse.decode(JSONValue.parse(reply.body)) } catch {
                throw unreachable(method, because: "the reply is neither XML-RPC nor JSON-RPC: \(error)")
            }
        }
        switch outcome {
        case .success(let value): return value
        case .failure(let error): throw error.xenopsError
        }
    }

    /// `VM.import_metadata` on the remote host: defines the VM there and returns its id
    /// (the migration's first call, `Remote.VM.import_metadata` in xenopsd).
    public func importMetadata(debugInfo: String, metadata: String) async throws(XenopsError) -> String {
        let value = try await call("VM.import_metadata", debugInfo: debugInfo, [JSONMember("metadata", .string(metadata))])
        return try decode(value, as: String.self, method: "VM.import_metadata")
    }

    /// `query` on the remote host (xenopsd's version exchange before a migration).
    public func query(debugInfo: String) async throws(XenopsError) -> QueryResult {
        let value = try await call("query", debugInfo: debugInfo, [JSONMember("unit", .null)])
        return try decode(value, as: QueryResult.self, method: "query")
    }

    private func decode<T: XenopsCodable>(_ value: JSONValue, as type: T.Type, method: String) throws(XenopsError) -> T {
        do { return try T(xenops: value) } catch {
            throw unreachable(method, because: "the result is not the expected type: \(error)")
        }
    }

    /// Logs why and returns `Failed_to_contact_remote_service url`.
    private func unreachable(_ method: String, because reason: String) -> XenopsError {
        logger.warning("\(method) on the remote xenops service failed", metadata: ["url": .string(Self.redacted(url)), "reason": .string(reason)])
        return .failedToContactRemoteService(url)
    }

    /// `url` without the value of `session_id` (a XAPI session reference), for logs.
    static func redacted(_ url: String) -> String {
        guard let range = url.range(of: "session_id=") else { return url }
        let rest = url[range.upperBound...]
        let end = rest.firstIndex(of: "&") ?? url.endIndex
        return url.replacingCharacters(in: range.upperBound..<end, with: "…")
    }

    static func parse(_ url: String) throws(XenopsError) -> Target {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else {
            throw .internalError("the remote xenops URL \(redacted(url)) is not a URL; expected http://HOST[:PORT]/services/xenops?…")
        }
        guard scheme == "http" else {
            if scheme == "https" {
                throw .unimplemented("calling a remote xenops service over HTTPS (\(redacted(url))); use an http:// URL (xenopsd-ng has no TLS client yet)")
            }
            throw .internalError("the remote xenops URL \(redacted(url)) has scheme \(scheme); only http:// is supported")
        }
        guard let host = parts.host, !host.isEmpty else {
            throw .internalError("the remote xenops URL \(redacted(url)) has no host")
        }
        let port = parts.port ?? 80
        var resource = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        if let query = parts.percentEncodedQuery { resource += "?" + query }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        var authorization: String?
        if let user = parts.user, let password = parts.password {
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        return Target(
            host: host, port: port, hostHeader: parts.port == nil ? bracketed : "\(bracketed):\(port)",
            resource: resource, authorization: authorization)
    }
}

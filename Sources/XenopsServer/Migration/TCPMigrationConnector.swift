#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import XenopsCore
import XenopsEngine

/// The source side's way to the destination daemon (``MigrationConnector``): plain HTTP over
/// TCP to the host of the `xenops_url`, as xenopsd speaks to a destination XAPI, which
/// forwards the API calls to its xenopsd and hands the `PUT …/migrate/…` connections over to
/// it (or to a test's stand-in, XenopsTestSupport's `LoopbackXAPI`).
///
/// `https://` URLs are refused with `Unimplemented` for now: TLS for migration is issue #8's
/// (stunnel/kTLS in xenopsd, mutual TLS between xenopsd-ng hosts). Sockets are non-blocking;
/// every connect, read and write runs on a thread of its own with a deadline, never on the
/// cooperative pool.
public struct TCPMigrationConnector: MigrationConnector {
    /// How long a TCP connect may take (and a name lookup).
    public var connectTimeout: Duration
    /// How long an API call may wait for the whole reply.
    public var callTimeout: Duration
    /// The largest API reply accepted.
    public var maxReplyBytes: Int
    let logger: Logger

    public init(connectTimeout: Duration = .seconds(30), callTimeout: Duration = .seconds(120), maxReplyBytes: Int = 16 << 20, logger: Logger = Logger(label: "xenopsd.migration")) {
        self.connectTimeout = connectTimeout
        self.callTimeout = callTimeout
        self.maxReplyBytes = maxReplyBytes
        self.logger = logger
    }

    public func openStream(url: String, pathSuffix: String, cookies: [(String, String)]) async throws -> any MigrationConnection {
        let target = try Self.plainHTTP(url)
        let stream = try await connect(target, url)
        var head = "PUT \(target.target(appending: pathSuffix)) HTTP/1.1\r\n"
        head += "host: \(target.hostHeader)\r\n"
        head += "cookie: \(Self.cookieHeader(cookies))\r\n"
        head += "connection: keep-alive\r\nuser-agent: xenopsd\r\n\r\n"
        do {
            try await stream.write(Array(head.utf8))
        } catch {
            stream.close()
            throw Self.unreachable(url, "sending the request failed: \(error)")
        }
        logger.debug("opened \(MigrationURL.redacted(url))\(pathSuffix)")
        return stream
    }

    public func call(url: String, method: String, params: [JSONMember]) async throws -> JSONValue {
        let target = try Self.plainHTTP(url)
        let stream = try await connect(target, url)
        defer { stream.close() }
        return try await RemoteXenopsCall(target: target, url: url, timeout: callTimeout, maxReplyBytes: maxReplyBytes)
            .run(method: method, params: params, on: stream)
    }

    /// The URL, if it is one this connector can serve.
    static func plainHTTP(_ url: String) throws(XenopsError) -> MigrationURL {
        let target = try MigrationURL(url)
        guard target.scheme == "http" else {
            throw XenopsError.unimplemented("VM.migrate to an https:// xenops_url (TLS is not available yet; use an http:// URL on a trusted network)")
        }
        return target
    }

    /// A connected socket to the URL's host, owned by the returned stream.
    private func connect(_ target: MigrationURL, _ url: String) async throws -> DescriptorStream {
        let timeout = connectTimeout
        let fd: Int32
        do {
            fd = try await BlockingDescriptorIO.run { flag in
                try TCPConnect.connect(host: target.host, port: target.port, deadline: .now + timeout, flag: flag)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Self.unreachable(url, "\(error)")
        }
        return DescriptorStream(taking: fd)
    }

    /// `Failed_to_contact_remote_service` naming the URL (without its session id) and why.
    static func unreachable(_ url: String, _ why: String) -> XenopsError {
        .failedToContactRemoteService("\(MigrationURL.redacted(url)) (\(why))")
    }

    /// One `Cookie:` header value, `name=value; …` as cohttp writes it. Separators and line
    /// breaks inside a value would split or end the header, so they are dropped.
    static func cookieHeader(_ cookies: [(String, String)]) -> String {
        func clean(_ s: String, dropEquals: Bool) -> String {
            var out = String.UnicodeScalarView()
            for c in s.unicodeScalars where !(c == ";" || c == "\r" || c == "\n" || (dropEquals && c == "=")) { out.append(c) }
            return String(out)
        }
        return cookies.map { "\(clean($0.0, dropEquals: true))=\(clean($0.1, dropEquals: false))" }.joined(separator: "; ")
    }
}

extension DescriptorStream: MigrationConnection {}

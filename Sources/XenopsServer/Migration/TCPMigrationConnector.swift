#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import XenopsBackend
import XenopsCore
import XenopsEngine

/// The source side's way to the destination daemon (``MigrationConnector``): plain HTTP over
/// TCP to the host of the `xenops_url`, as xenopsd speaks to a destination XAPI, which
/// forwards the API calls to its xenopsd and hands the `PUT …/migrate/…` connections over to
/// it (or to a test's stand-in, XenopsTestSupport's `LoopbackXAPI`). API calls go through
/// ``RemoteXenopsClient``; the migration connections are plain sockets, since after the
/// request head the bytes are handshake frames and the save stream, not HTTP.
///
/// `https://` URLs are refused with `Unimplemented` for now: TLS for migration is issue #8's
/// (stunnel/kTLS in xenopsd, mutual TLS between xenopsd-ng hosts). Sockets are non-blocking;
/// every connect, read and write runs on a thread of its own with a deadline, never on the
/// cooperative pool.
public struct TCPMigrationConnector: MigrationConnector {
    /// How long a TCP connect may take (and a name lookup).
    public var connectTimeout: Duration
    /// The longest silence while an API call waits for its reply.
    public var callTimeout: Duration
    let logger: Logger

    public init(connectTimeout: Duration = .seconds(10), callTimeout: Duration = .seconds(300), logger: Logger = Logger(label: "xenopsd.migration")) {
        self.connectTimeout = connectTimeout
        self.callTimeout = callTimeout
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
            throw unreachable(url, "sending the request failed: \(error)")
        }
        logger.debug("opened \(MigrationURL.redacted(url))\(pathSuffix)")
        return stream
    }

    /// An XML-RPC call through ``RemoteXenopsClient``, as xenopsd's `Remote` module makes it.
    public func call(url: String, method: String, params: [JSONMember]) async throws -> JSONValue {
        var named = params
        var debugInfo = ""
        if let index = named.firstIndex(where: { $0.key == "debug_info" }) {
            debugInfo = named[index].value.stringValue ?? ""
            named.remove(at: index)
        }
        let client = try RemoteXenopsClient(url: url, connectTimeout: connectTimeout, readTimeout: callTimeout, logger: logger)
        return try await client.call(method, debugInfo: debugInfo, named)
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
            fd = try await BlockingThread.run { flag in
                try TCPConnect.connect(host: target.host, port: target.port, deadline: .now + timeout, flag: flag)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw unreachable(url, "\(error)")
        }
        return DescriptorStream(taking: fd)
    }

    /// `Failed_to_contact_remote_service url`, as xenopsd and ``RemoteXenopsClient`` report
    /// it; why is logged (without the session id).
    func unreachable(_ url: String, _ why: String) -> XenopsError {
        logger.warning("cannot reach the migration destination", metadata: ["url": .string(MigrationURL.redacted(url)), "reason": .string(why)])
        return .failedToContactRemoteService(url)
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

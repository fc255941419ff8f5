import XenopsCore

/// How the source side of a migration reaches the destination daemon at a `xenops_url`: its
/// API (XML-RPC, as xenopsd calls `Remote.VM.*`) and its migration endpoint
/// (`PUT <url path>/migrate/{vm,mem}/<id>`). XenopsServer implements it over TCP; the engine
/// never opens a socket itself.
///
/// Every method must return or throw soon after the calling task is cancelled, and must not
/// block the cooperative pool. Failures to reach the destination are thrown as
/// `Failed_to_contact_remote_service` naming the URL; an error the destination answered with
/// is thrown as that ``XenopsError``.
public protocol MigrationConnector: Sendable {
    /// Calls `method` on the destination's API at `url` with the named parameters `params`
    /// (`debug_info` included) and returns the result value.
    func call(url: String, method: String, params: [JSONMember]) async throws -> JSONValue

    /// Opens a migration connection: connects to the host of `url`, sends
    /// `PUT <url path><suffix>?<url query>` with `cookies` in one `Cookie:` header and returns
    /// the connection, ready for handshake frames (no HTTP response is read: XAPI hands the
    /// socket to the destination daemon, which answers with frames only).
    func openStream(url: String, pathSuffix: String, cookies: [(String, String)]) async throws -> any MigrationConnection
}

/// An outgoing migration connection: a ``MigrationStream`` the source owns and closes.
public protocol MigrationConnection: MigrationStream {
    /// Closes the connection (idempotent). The destination sees the end of the stream.
    func close()
}

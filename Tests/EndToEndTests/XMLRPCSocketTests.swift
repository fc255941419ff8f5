import Foundation
import Testing
import XenopsCore
import XenopsRPC
import XenopsServer
import XenopsTestSupport

/// The real daemon with `--sockets-path`: XAPI's `use-switch=false` socket answers XML-RPC
/// posted exactly as XAPI's client posts it, keeps serving after hostile documents, and the
/// cross-host client reaches it over HTTP.
@Suite struct XMLRPCSocketTests {
    typealias Doc = RawRPCDocuments

    /// A daemon serving `--sockets-path DIR`; `body` gets it and the path of `DIR/xenopsd`.
    private func withXAPISockets(_ body: (DaemonProcess, String) async throws -> Void) async throws {
        let directory = "/tmp/xr-\(UUID().uuidString.prefix(8).lowercased())"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withDaemon(["--sockets-path", directory]) { daemon in
            let socket = directory + "/xenopsd"
            // The main socket answered; the XAPI socket is a separate listener: wait for it.
            let deadline = ContinuousClock.now + .seconds(30)
            while (try? RawHTTPConnection(path: socket, timeout: 5)) == nil {
                guard ContinuousClock.now < deadline else { throw DaemonError("\(socket) never accepted a connection; log:\n\(daemon.log)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            try await body(daemon, socket)
        }
    }

    /// XML-RPC for a §3.5 JSON-RPC document, as ocaml-rpc's client writes it.
    private static func xml(_ json: String) throws -> String {
        let value = try JSONValue.parse(json)
        guard case .string(let method)? = value["method"], case .array(let params)? = value["params"] else {
            throw DaemonError("not a V1 request: \(json.prefix(60))")
        }
        return String(decoding: XMLRPC.encodeCall(.init(method: method, params: params)), as: UTF8.self)
    }

    /// Posts `body` as XAPI's `Xcp_client.http_rpc` does: to the socket's own path, with only
    /// `user-agent`, `content-length` and `host: localhost`, one request per connection.
    private static func postAsXAPI(_ body: String, to socket: String) async throws -> RawHTTPResponse {
        try await blocking {
            let connection = try RawHTTPConnection(path: socket)
            let bytes = Array(body.utf8)
            let head = "POST \(socket) HTTP/1.1\r\nUser-agent: xapi\r\ncontent-length: \(bytes.count)\r\nhost: localhost\r\n\r\n"
            try connection.send(Array(head.utf8) + bytes)
            return try connection.readResponse()
        }
    }

    /// The result of an XML-RPC call, failing the test on a Failure reply.
    private static func result(_ json: String, on socket: String) async throws -> JSONValue {
        let reply = try await postAsXAPI(try xml(json), to: socket)
        guard reply.status == 200 else { throw DaemonError("HTTP \(reply.status): \(reply.text)") }
        switch try XMLRPC.decodeReply(reply.body) {
        case .success(let value): return value
        case let other: throw DaemonError("\(json.prefix(60))… failed: \(other)")
        }
    }

    @Test func importMetadataStartAndTaskStatAsXAPISendsThem() async throws {
        try await withXAPISockets { daemon, socket in
            let reply = try await Self.postAsXAPI(try Self.xml(Doc.importMetadata()), to: socket)
            #expect(reply.status == 200)
            #expect(reply.headers["content-length"] == String(reply.body.count))
            #expect(reply.text == #"<?xml version="1.0"?><methodResponse><params><param><value><struct><member><name>Status</name><value>Success</value></member><member><name>Value</name><value>\#(Doc.vmID)</value></member></struct></value></param></params></methodResponse>"#)

            let task = try #require(try await Self.result(Doc.start(), on: socket).stringValue)
            // Task.stat over XML-RPC until the start completes (bounded).
            let deadline = ContinuousClock.now + .seconds(60)
            var info = try TaskInfo(xenops: try await Self.result(Doc.taskStat(task), on: socket))
            while case .pending = info.state {
                guard ContinuousClock.now < deadline else { throw DaemonError("task \(task) still pending") }
                try await Task.sleep(for: .milliseconds(20))
                info = try TaskInfo(xenops: try await Self.result(Doc.taskStat(task), on: socket))
            }
            #expect(info.id == task)
            #expect(info.dbg == Doc.dbg)
            guard case .completed = info.state else {
                Issue.record("VM.start ended \(info.state)")
                return
            }
            // The same VM, seen over JSON on the main socket: built and paused, as XAPI's start
            // leaves it until VM.unpause.
            let stat = try await daemon.result(Doc.vmStat(Doc.vmID))
            #expect(stat.arrayElements?[1]["power_state"] == .string("Paused"))

            // A sync error comes back as a Failure with the marshalled Errors.error.
            let missing = try await Self.postAsXAPI(try Self.xml(Doc.vmStat("00000000-0000-0000-0000-000000000bad")), to: socket)
            #expect(try XMLRPC.decodeReply(missing.body) == .failure(.array([.string("Does_not_exist"), .array([.string("VM"), .string("00000000-0000-0000-0000-000000000bad/config")])])))
            // JSON on the XAPI socket is answered in JSON (the body decides).
            let json = try await Self.postAsXAPI(Doc.query, to: socket)
            #expect(json.headers["content-type"] == "application/json")
            #expect(try JSONValue.parse(json.body)["error"] == .null)
        }
    }

    @Test func hostileDocumentsGetCleanErrorsAndTheDaemonKeepsServing() async throws {
        try await withXAPISockets { daemon, socket in
            var laughs = #"<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa">"#
            for level in 1...9 { laughs += "<!ENTITY a\(level) \"" + String(repeating: "&a\(level == 1 ? "" : String(level - 1));", count: 10) + "\">" }
            laughs += "]><methodCall><methodName>&a9;</methodName></methodCall>"
            let documents = [
                laughs,
                #"<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><methodCall><methodName>&x;</methodName></methodCall>"#,
                "<methodCall><methodName>VM.stat</methodName><params>",
                "<methodCall><methodName>a</methodName><params><param>" + String(repeating: "<value><array><data>", count: 300) + "</param></params></methodCall>",
                "<methodCall><methodName>a</methodName><params><param><value><int>nope</int></value></param></params></methodCall>",
            ]
            for document in documents {
                let reply = try await Self.postAsXAPI(document, to: socket)
                #expect(reply.status == 200)
                guard case .failure(let error) = try XMLRPC.decodeReply(reply.body) else {
                    Issue.record("a hostile document was not refused: \(document.prefix(60))")
                    continue
                }
                let message = try #require(error.arrayElements?.last?.stringValue)
                #expect(message.hasPrefix("malformed request: the request body is not a valid XML-RPC call: "))
                #expect(!message.contains("root:"))
            }
            // Over the body limit (16 MiB): 413 on the head alone, before any byte of the body.
            let tooLarge = try await blocking {
                let connection = try RawHTTPConnection(path: socket)
                try connection.send("POST \(socket) HTTP/1.1\r\ncontent-length: \(17 << 20)\r\nhost: localhost\r\n\r\n<methodCall>")
                return try connection.readResponse()
            }
            #expect(tooLarge.status == 413)
            // Still serving, on both sockets.
            #expect(try await Self.result(Doc.query, on: socket)["name"] == .string("xenops"))
            #expect(try await daemon.result(Doc.query)["name"] == .string("xenops"))
        }
    }

    @Test func theCrossHostClientCallsTheDaemonOverHTTP() async throws {
        try await withXAPISockets { _, socket in
            let forwarder = try LoopbackForwarder(.forward(unixSocket: socket))
            defer { forwarder.stop() }
            let url = "http://127.0.0.1:\(forwarder.port)/services/xenops?session_id=OpaqueRef:0123-abcd"
            let client = try RemoteXenopsClient(url: url, connectTimeout: .seconds(10), readTimeout: .seconds(30))
            let id = try await client.importMetadata(debugInfo: Doc.dbg, metadata: Doc.metadata())
            #expect(id == Doc.vmID)
            #expect(try await client.query(debugInfo: "t").name == "xenops")
            // The request line keeps the URL's path and query; the body is XML-RPC, no Content-Type.
            let head = try #require(forwarder.heads.first)
            #expect(head.hasPrefix("POST /services/xenops?session_id=OpaqueRef:0123-abcd HTTP/1.1\r\n"))
            #expect(head.lowercased().contains("\r\nhost: 127.0.0.1:\(forwarder.port)"))
            #expect(!head.lowercased().contains("content-type"))
            // The remote xenops error comes back as itself.
            await #expect(throws: XenopsError.doesNotExist(namespace: "VM", path: "00000000-0000-0000-0000-000000000bad/config")) {
                _ = try await client.call("VM.stat", debugInfo: "t", [JSONMember("id", .string("00000000-0000-0000-0000-000000000bad"))])
            }
        }
    }

    @Test func theCrossHostClientReportsAnUnreachableOrSilentRemote() async throws {
        // Nothing listens: a port that was bound, then released.
        let probe = try LoopbackForwarder(.silent)
        let freePort = probe.port
        probe.stop()
        let refused = "http://127.0.0.1:\(freePort)/services/xenops"
        await #expect(throws: XenopsError.failedToContactRemoteService(refused)) {
            _ = try await RemoteXenopsClient(url: refused, connectTimeout: .seconds(5)).query(debugInfo: "t")
        }
        // A remote that accepts and never answers: the read timeout ends the wait.
        let silent = try LoopbackForwarder(.silent)
        defer { silent.stop() }
        let quiet = "http://127.0.0.1:\(silent.port)/services/xenops"
        await #expect(throws: XenopsError.failedToContactRemoteService(quiet)) {
            _ = try await RemoteXenopsClient(url: quiet, connectTimeout: .seconds(5), readTimeout: .seconds(1)).query(debugInfo: "t")
        }
        // HTTPS is not spoken yet: an honest Unimplemented, before any connection.
        #expect(throws: XenopsError.self) { _ = try RemoteXenopsClient(url: "https://10.0.0.2/services/xenops?session_id=OpaqueRef:x") }
        do {
            _ = try RemoteXenopsClient(url: "https://10.0.0.2/services/xenops?session_id=OpaqueRef:x")
        } catch {
            guard case .unimplemented(let what) = error else { Issue.record("expected Unimplemented, got \(error)"); return }
            #expect(what.contains("HTTPS") && !what.contains("OpaqueRef:x"))
        }
    }
}

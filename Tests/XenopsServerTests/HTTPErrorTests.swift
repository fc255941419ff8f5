import Foundation
import Testing
import XenopsCore
import XenopsTestSupport

/// What the HTTP layer refuses before a call is dispatched, and how.
@Suite struct HTTPErrorTests {
    /// The message of a V1 `["Internal_error", message]` error body.
    private func internalError(_ response: RawHTTPResponse) throws -> String? {
        guard case .array(let parts)? = try json(response)["error"], parts.count == 2, parts[0] == .string("Internal_error") else { return nil }
        return parts[1].stringValue
    }

    @Test func bodyOverTheLimitGets413NamingTheLimit() async throws {
        try await withServer({ $0.maxBodyBytes = 4096 }) { fixture in
            let path = fixture.socketPath
            let big = v1("query", #""unit":null,"pad":"\#(String(repeating: "x", count: 5000))""#)
            let (response, closed) = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                let response = try connection.post(big)
                return (response, connection.closedByPeer(within: 5))
            }
            #expect(response.status == 413)
            #expect(response.headers["content-type"] == "application/json")
            #expect(try internalError(response)?.contains("4096 bytes") == true)
            #expect(closed)
        }
    }

    @Test func chunkedBodyOverTheLimitGets413() async throws {
        try await withServer({ $0.maxBodyBytes = 2048 }) { fixture in
            let path = fixture.socketPath
            let response = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                let chunk = String(repeating: "y", count: 1500)
                let hex = String(chunk.utf8.count, radix: 16)
                try connection.send("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\(hex)\r\n\(chunk)\r\n\(hex)\r\n\(chunk)\r\n0\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(response.status == 413)
        }
    }

    @Test func bodyUnderTheLimitIsServed() async throws {
        try await withServer({ $0.maxBodyBytes = 4096 }) { fixture in
            let reply = try json(try await fixture.call(v1("query", #""unit":null,"pad":"\#(String(repeating: "x", count: 3000))""#)))
            #expect(reply["result"]?["name"] == .string("xenops"))
        }
    }

    @Test func otherPathsGet404AndTheConnectionStaysUsable() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let (missing, next) = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send(RawHTTPConnection.request(v1("query", #""unit":null"#), path: "/services/nothing"))
                let missing = try connection.readResponse()
                return (missing, try connection.post(v1("query", #""unit":null"#)))
            }
            #expect(missing.status == 404)
            #expect(try internalError(missing)?.contains("/services/nothing") == true)
            #expect(next.status == 200)
        }
    }

    @Test func jsonrpcPathAndQueryStringsAreAccepted() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let statuses = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                return try ["/jsonrpc", "/?session_id=x"].map { target in
                    try connection.send(RawHTTPConnection.request(v1("query", #""unit":null"#), path: target))
                    return try connection.readResponse().status
                }
            }
            #expect(statuses == [200, 200])
        }
    }

    @Test func otherMethodsGet405() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let response = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(response.status == 405)
            #expect(try internalError(response)?.contains("POST") == true)
        }
    }

    @Test func xmlBodiesAreServedAsXMLRPC() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let response = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send(RawHTTPConnection.request("<?xml version=\"1.0\"?><methodCall/>", headers: [("Content-Type", "text/xml")]))
                return try connection.readResponse()
            }
            // No longer 415: an XML-RPC Failure saying what is wrong with the call.
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == "text/xml")
            #expect(response.text.contains("<value>Failure</value>"))
            #expect(response.text.contains("&lt;methodName&gt; and then &lt;params&gt;"))
        }
    }

    @Test func malformedJSONGetsAParseError() async throws {
        try await withServer { fixture in
            let response = try await fixture.call(#"{"method":"query","params":[{"#)
            #expect(response.status == 200)
            #expect(try internalError(response)?.hasPrefix("malformed request: the request body is not valid JSON") == true)
        }
    }

    @Test func tooDeepJSONIsRefused() async throws {
        try await withServer({ $0.maxJSONDepth = 8 }) { fixture in
            let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
            let response = try await fixture.call(#"{"method":"query","params":[{"debug_info":"x","unit":\#(deep)}],"id":1}"#)
            #expect(try internalError(response)?.contains("malformed request") == true)
        }
    }

    @Test func expectContinueIsHonoured() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let (interim, final) = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                let body = v1("query", #""unit":null"#)
                try connection.send("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
                let interim = try connection.readResponse()
                try connection.send(body)
                return (interim.status, try connection.readResponse().status)
            }
            #expect(interim == 100)
            #expect(final == 200)
        }
    }

    @Test func garbageIsAnswered400AndClosed() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let (status, closed) = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send("THIS IS NOT HTTP\r\n\r\n")
                let status = (try? connection.readResponse())?.status
                return (status, connection.closedByPeer(within: 5))
            }
            #expect(status == 400)
            #expect(closed)
        }
    }
}

import Testing
@testable import XenopsClient

/// `HTTPResponseParser`: Content-Length and chunked bodies, bytes arriving in any split,
/// keep-alive rules and malformed input.
@Suite("Client: HTTP response parsing", .timeLimit(.minutes(1)))
struct ClientHTTPParserTests {
    private func parseAll(_ text: String, chunkSize: Int = .max) throws -> [HTTPResponse] {
        var parser = HTTPResponseParser()
        var out: [HTTPResponse] = []
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + chunkSize)
            parser.feed(bytes[offset..<end])
            offset = end
            while let r = try parser.next() { out.append(r) }
        }
        if let r = try parser.finish() { out.append(r) }
        return out
    }

    private func body(_ r: HTTPResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    @Test("a Content-Length response, whole or one byte at a time")
    func contentLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"result\":1}\n"
        for size in [Int.max, 1, 7] {
            let rs = try parseAll(text, chunkSize: size)
            #expect(rs.count == 1)
            #expect(rs.first?.status == 200)
            #expect(rs.first?.reason == "OK")
            #expect(rs.first.map(body) == "{\"result\":1}\n")
            #expect(rs.first?.header("content-type") == "application/json")
            #expect(rs.first?.keepAlive == true)
        }
    }

    @Test("a chunked body with extensions and trailers, in any split")
    func chunked() throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n"
        for size in [Int.max, 1, 3, 10] {
            let rs = try parseAll(text, chunkSize: size)
            #expect(rs.count == 1)
            #expect(rs.first.map(body) == "hello, world")
            #expect(rs.first?.keepAlive == true)
        }
    }

    @Test("two pipelined responses come out one after the other")
    func pipelined() throws {
        let one = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
        let two = "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nbc"
        let rs = try parseAll(one + two)
        #expect(rs.map(\.status) == [200, 404])
        #expect(rs.map(body) == ["a", "bc"])
    }

    @Test("interim 100 Continue responses are skipped")
    func interim() throws {
        let rs = try parseAll("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        #expect(rs.map(\.status) == [200])
    }

    @Test("no length and not chunked: the body runs to the end of the stream, and the connection is not reused")
    func untilClose() throws {
        let rs = try parseAll("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this")
        #expect(rs.first.map(body) == "all of this")
        #expect(rs.first?.bodyEndedWithClose == true)
        #expect(rs.first?.keepAlive == false)
    }

    @Test("bare LF line endings, folded headers and 204 without a body")
    func lenientForms() throws {
        let rs = try parseAll("HTTP/1.1 204 No Content\nX-A: one\n two\n\nHTTP/1.1 200 OK\nContent-Length: 1\n\nz")
        #expect(rs.map(\.status) == [204, 200])
        #expect(rs.first?.header("x-a") == "one two")
        #expect(rs.first?.body.isEmpty == true)
        #expect(rs.last.map(body) == "z")
    }

    @Test("keep-alive: HTTP/1.1 unless Connection: close; HTTP/1.0 only with Connection: keep-alive")
    func keepAliveRules() throws {
        #expect(try parseAll("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").first?.keepAlive == false)
        #expect(try parseAll("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").first?.keepAlive == false)
        #expect(try parseAll("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").first?.keepAlive == true)
        #expect(try parseAll("HTTP/1.1 200 OK\r\nConnection: upgrade, close\r\nContent-Length: 0\r\n\r\n").first?.keepAlive == false)
    }

    @Test("malformed responses are rejected with a reason")
    func malformed() {
        let cases = [
            "HTTTP/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/x.y 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nab",
            "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n",
        ]
        for text in cases {
            #expect(throws: HTTPParseError.self, "\(text.debugDescription)") { _ = try parseAll(text) }
        }
    }

    @Test("a stream that ends inside a response is truncated")
    func truncated() {
        #expect(throws: HTTPParseError.truncated) { _ = try parseAll("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") }
        #expect(throws: HTTPParseError.truncated) { _ = try parseAll("HTTP/1.1 200 OK\r\nContent-Le") }
        #expect(throws: HTTPParseError.truncated) { _ = try parseAll("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel") }
    }

    @Test("a head or body past the limits is refused")
    func limits() {
        var parser = HTTPResponseParser(limits: .init(maxHeadBytes: 64, maxBodyBytes: 8))
        parser.feed(Array(("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 100)).utf8))
        #expect(throws: HTTPParseError.self) { _ = try parser.next() }
        var parser2 = HTTPResponseParser(limits: .init(maxHeadBytes: 1024, maxBodyBytes: 8))
        parser2.feed(Array("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.self) { _ = try parser2.next() }
    }

    @Test("the request the client writes: POST / HTTP/1.1 with a JSON Content-Length body")
    func requestWriter() {
        let bytes = HTTPRequestWriter.post(body: Array("{}".utf8), userAgent: "xenopsctl")
        #expect(String(decoding: bytes, as: UTF8.self) == "POST / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: xenopsctl\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: 2\r\n\r\n{}")
    }
}

import Foundation
import Testing
import XenopsCore
import XenopsTestSupport

/// Many requests on one connection, pipelined requests, and many connections at once.
@Suite struct KeepAliveTests {
    @Test func manyRequestsOnOneConnection() async throws {
        try await withServer { fixture in
            let vm = try await fixture.defineVM()
            let path = fixture.socketPath
            let statuses = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                var replies: [Int] = []
                for i in 0..<300 {
                    let response = try connection.post(v1(i % 2 == 0 ? "VM.stat" : "query", i % 2 == 0 ? #""id":"\#(vm)""# : #""unit":null"#, id: i))
                    let reply = try json(response)
                    guard reply["id"] == .int(Int64(i)), reply["error"] == .null else { return [-1] }
                    replies.append(response.status)
                }
                return replies
            }
            #expect(statuses.count == 300)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(fixture.server.connectionCount == 0 || fixture.server.connectionCount == 1)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let ids = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                var batch: [UInt8] = []
                for i in 0..<25 { batch += RawHTTPConnection.request(v1("query", #""unit":null"#, id: i)) }
                try connection.send(batch)  // all at once, before reading anything
                return try (0..<25).map { _ in try json(try connection.readResponse())["id"] }
            }
            #expect(ids == (0..<25).map { JSONValue.int(Int64($0)) })
        }
    }

    @Test func manyConnectionsAtOnce() async throws {
        try await withServer { fixture in
            let vm = try await fixture.defineVM()
            let path = fixture.socketPath
            let ok = try await withThrowingTaskGroup(of: Int.self) { group in
                for c in 0..<24 {
                    group.addTask {
                        try await blocking {
                            let connection = try RawHTTPConnection(path: path)
                            var good = 0
                            for i in 0..<40 {
                                let reply = try json(try connection.post(v1("VM.stat", #""id":"\#(vm)""#, id: c * 1000 + i)))
                                if reply["error"] == .null, reply["id"] == .int(Int64(c * 1000 + i)) { good += 1 }
                            }
                            return good
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(ok == 24 * 40)
        }
    }

    @Test func http10ClosesUnlessAskedToKeepAlive() async throws {
        try await withServer { fixture in
            let path = fixture.socketPath
            let (closeHeader, closed, keepHeader) = try await blocking {
                let body = v1("query", #""unit":null"#)
                let plain = try RawHTTPConnection(path: path)
                try plain.send("POST / HTTP/1.0\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let first = try plain.readResponse()
                let kept = try RawHTTPConnection(path: path)
                try kept.send("POST / HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let second = try kept.readResponse()
                return (first.headers["connection"], plain.closedByPeer(within: 5), second.headers["connection"])
            }
            #expect(closeHeader == "close")
            #expect(closed)
            #expect(keepHeader == "keep-alive")
        }
    }
}

import Foundation
import Testing
import XenopsCore
import XenopsRPC
import XenopsServer
import XenopsTestSupport

/// The transport seam: a body in, a reply out, and one place that answers long polls on
/// shutdown whatever transport they came by.
@Suite("CallRunner and LongPollRegistry")
struct CallRunnerTests {
    @Test("the encoding is told from the body: '<' first (after blanks) is XML, anything else JSON")
    func sniff() {
        #expect(RPCEncoding.sniff(Array("<?xml version=\"1.0\"?><methodCall/>".utf8)) == .xml)
        #expect(RPCEncoding.sniff(Array(" \r\n\t<methodCall/>".utf8)) == .xml)
        #expect(RPCEncoding.sniff(Array(#"{"method":"query"}"#.utf8)) == .json)
        #expect(RPCEncoding.sniff(Array("  [1]".utf8)) == .json)
        #expect(RPCEncoding.sniff([UInt8]()) == .json)
    }

    @Test("a runner serves a body without any transport: the same bytes as over HTTP")
    func servesBytes() async throws {
        let fixture = try await ServerFixture.start()
        let runner = fixture.server.runner
        let body = #"{"method":"VM.exists","params":[{"debug_info":"t","id":"no-such-vm"}],"id":7}"#
        let direct = await runner.serve(Array(body.utf8))
        let overHTTP = try await fixture.call(body)
        #expect(String(decoding: direct, as: UTF8.self) == #"{"result":false,"error":null,"id":7}"#)
        #expect(overHTTP.body == direct)
        await fixture.cleanup()
    }

    @Test("draining answers a long poll in progress at once, and every later one without waiting")
    func drainAnswersLongPolls() async throws {
        let fixture = try await ServerFixture.start()
        let runner = fixture.server.runner
        let last = fixture.engine.updates.lastID
        // No timeout: without a drain this call would wait until something changes.
        let poll = Array(#"{"method":"UPDATES.get","params":[{"debug_info":"t","last_id":\#(last)}],"id":1}"#.utf8)
        let waiting = Task { await runner.serve(poll) }
        let registered = await eventually { runner.longPolls.count == 1 }
        #expect(registered)
        runner.longPolls.drain()
        let reply = await waiting.value
        let json = try JSONValue.parse(reply)
        #expect(json["error"] == .null)
        guard case .array(let result)? = json["result"], result.count == 3 else {
            Issue.record("bad UPDATES.get reply: \(json.jsonString)")
            return
        }
        #expect(result[2] == .int(Int64(last)))
        // A long poll that starts after the drain is answered at once too.
        let late = try JSONValue.parse(await runner.serve(poll))
        #expect(late["error"] == .null)
        #expect(runner.longPolls.count == 0)
        await fixture.cleanup()
    }

    @Test("cancelling the caller of a long poll (its client went away) ends the poll")
    func callerCancelEndsPoll() async throws {
        let registry = LongPollRegistry()
        let started = AsyncStream<Void>.makeStream()
        let caller = Task {
            await registry.run { () async -> Bool in
                started.continuation.yield()
                do { try await Task.sleep(for: .seconds(3600)) } catch { return true }
                return false
            }
        }
        var iterator = started.stream.makeAsyncIterator()
        await iterator.next()
        caller.cancel()
        #expect(await caller.value == true)
        #expect(registry.count == 0)
        #expect(!registry.isDraining)
    }

    private func eventually(_ condition: @Sendable () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

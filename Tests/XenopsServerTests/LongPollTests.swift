import Foundation
import Testing
import XenopsCore
import XenopsTestSupport

/// A waiting `UPDATES.get` never holds up other calls, and stops when its client goes away.
@Suite struct LongPollTests {
    @Test func waitingUpdatesGetDoesNotHoldUpOtherConnections() async throws {
        try await withServer { fixture in
            let vm = try await fixture.defineVM()
            let last = fixture.engine.updates.lastID
            let path = fixture.socketPath

            // Three connections wait on UPDATES.get with no timeout: more than the test machine's cores.
            let pollers = try await blocking {
                try (0..<3).map { i in
                    let connection = try RawHTTPConnection(path: path)
                    try connection.send(RawHTTPConnection.request(v1("UPDATES.get", #""last_id":\#(last)"#, id: 100 + i)))
                    return connection
                }
            }
            _ = await eventually { fixture.engine.updates.diagnostics.waiters >= 3 }

            let answered = try await blocking {
                let connection = try RawHTTPConnection(path: path, timeout: 10)
                var good = 0
                for i in 0..<200 where try json(try connection.post(v1("VM.stat", #""id":"\#(vm)""#, id: i)))["error"] == .null {
                    good += 1
                }
                return good
            }
            #expect(answered == 200)
            let stillWaiting = try await blocking { pollers.allSatisfy { !$0.hasData(within: 0) } }
            #expect(stillWaiting)

            // A change wakes every poller with the VM's id.
            try await fixture.defineVM(vm)
            let results = try await blocking { try pollers.map { try json(try $0.readResponse()) } }
            for result in results {
                guard case .array(let parts)? = result["result"], parts.count == 3 else {
                    Issue.record("bad UPDATES.get reply: \(result.jsonString)")
                    continue
                }
                #expect(parts[1].arrayElements?.contains(.array([.string("Vm"), .string(vm)])) == true)
            }
        }
    }

    @Test func updatesGetStopsWhenTheClientGoesAway() async throws {
        try await withServer { fixture in
            let last = fixture.engine.updates.lastID
            let path = fixture.socketPath
            let connection = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send(RawHTTPConnection.request(v1("UPDATES.get", #""last_id":\#(last)"#)))
                return connection
            }
            #expect(await eventually { fixture.engine.updates.diagnostics.waiters == 1 })
            try await blocking { connection.close() }
            #expect(await eventually { fixture.engine.updates.diagnostics.waiters == 0 })
            #expect(await eventually { fixture.server.connectionCount == 0 })
        }
    }

    @Test func updatesGetTimeoutAnswersWithNothing() async throws {
        try await withServer { fixture in
            let last = fixture.engine.updates.lastID
            let reply = try json(try await fixture.call(v1("UPDATES.get", #""last_id":\#(last),"timeout":1"#)))
            #expect(reply["result"] == .array([.array([]), .array([]), .int(Int64(last))]))
        }
    }
}

import Foundation
import Testing
import XenopsCore
import XenopsTestSupport
import XenopsTestSwitch

/// The daemon's message-switch client when the switch is not there, goes away, comes back or
/// breaks its connections, and on the daemon's own graceful shutdown.
///
/// What is guaranteed (Docs/api.md "message-switch"): every message the daemon takes is
/// answered at most once per switch; after a switch restart the daemon forgets what the old
/// switch gave it (those requests and the callers' reply queues died with it) and serves the
/// queue again from message 0; a caller that sends its unanswered requests again, as the test
/// client does, gets exactly one reply to each.
@Suite struct SwitchOutageTests {
    typealias Doc = RawRPCDocuments

    @Test func theSwitchKilledAndRestartedMidRunLosesNothing() async throws {
        try await withSwitchedDaemon(["--sim-step-latency-ms", "50"]) { switchProcess, daemon, client in
            let vms = (0..<10).map { String(format: "5e1e0000-0000-4000-8000-%012d", 100 + $0) }
            for (i, vm) in vms.enumerated() {
                #expect(try await client.result(Doc.importMetadata(id: vm, name: "vm\(i)")).stringValue == vm)
            }
            let last = try #require(try await client.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#).intValue)
            // In flight when the switch dies: ten long polls waiting in the daemon…
            let polls = (0..<10).map { i in Task { try await client.result(Doc.updatesGet(lastID: last, timeout: nil, requestID: 200 + i)) } }
            #expect(try await eventually { try await daemon.waiters() >= 10 })
            // …and thirty calls sent around the kill.
            let calls = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, vm) in vms.enumerated() {
                        group.addTask {
                            let task = try await client.result(Doc.start(id: vm, requestID: 300 + i))
                            #expect(task.stringValue != nil)
                        }
                        group.addTask {
                            let stat = try await client.result(Doc.vmStat(vm, requestID: 400 + i))
                            #expect(stat.arrayElements?[0]["id"] == .string(vm))
                        }
                        group.addTask {
                            let query = try await client.result(Doc.query)
                            #expect(query["name"] == .string("xenops"))
                        }
                    }
                    try await group.waitForAll()
                }
            }
            switchProcess.kill()
            try await switchProcess.launch()

            try await calls.value
            for poll in polls {
                #expect(try await poll.value.arrayElements?[1].arrayElements?.isEmpty == false)
            }
            #expect(client.reconnects == 1)
            #expect(client.anomalies.isEmpty, "\(client.anomalies)")
            #expect(client.replyCounts.values.allSatisfy { $0 == 1 }, "\(client.replyCounts.filter { $0.value != 1 })")

            // The daemon noticed once, came back once, and serves the queue again.
            #expect(await eventually { daemon.log.contains("reconnected to the message-switch") })
            #expect(daemon.log.components(separatedBy: "lost the message-switch").count == 2, "\(daemon.log)")
            #expect(daemon.log.components(separatedBy: "reconnected to the message-switch").count == 2)
            #expect(daemon.log.contains("it restarted and lost its queues"))
            #expect(try await client.result(Doc.query)["name"] == .string("xenops"))
            #expect(try await eventually { try await switchProcess.pendingIDs(xenopsQueue).isEmpty })
        }
    }

    @Test func brokenConnectionsToALiveSwitchRunNothingTwice() async throws {
        let directory = try TemporaryDirectory(prefix: "xs")
        let testSwitch = TestMessageSwitch(socketPath: directory.file("switch.sock"))
        try await testSwitch.start()
        let client = XAPISwitchClient(switchPath: testSwitch.socketPath)
        var daemon: DaemonProcess?
        do {
            daemon = try await DaemonProcess.start(["--message-switch", testSwitch.socketPath])
            try await client.start()
            try await breakConnections(testSwitch, try #require(daemon), client)
        } catch {
            Issue.record(error)
        }
        client.stop()
        daemon?.cleanup()
        await testSwitch.stop()
        directory.remove()
    }

    private func breakConnections(_ testSwitch: TestMessageSwitch, _ daemon: DaemonProcess, _ client: XAPISwitchClient) async throws {
        let last = try #require(try await client.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#).intValue)
        let poll = Task { try await client.result(Doc.updatesGet(lastID: last, timeout: nil)) }
        #expect(try await eventually { try await daemon.waiters() >= 1 })
        let pollID = try #require(testSwitch.state.messageIDs(xenopsQueue).last)

        // The daemon's connections break; the switch, and the poll's message in it, live on.
        testSwitch.dropConnections(session: "xenopsd:\(try #require(daemon.process?.processIdentifier))")
        #expect(await eventually { daemon.log.contains("it kept its queues") }, "\(daemon.log)")
        #expect(await eventually { daemon.log.contains("message (\(xenopsQueue), \(pollID)) delivered again; it is already being served") })

        _ = try await daemon.result(Doc.importMetadata())  // a change answers the poll
        #expect(try await poll.value.arrayElements?[1].arrayElements?.contains(.array([.string("Vm"), .string(Doc.vmID)])) == true)
        #expect(await eventually { testSwitch.state.messageIDs(xenopsQueue).isEmpty })
        #expect(try await eventually { try await daemon.waiters() == 0 })
        // One reply per message: nothing was run or answered twice.
        var responses: [Int64: Int] = [:]
        for case .response(_, let origin, let id, _) in testSwitch.requestLog where origin == xenopsQueue { responses[id, default: 0] += 1 }
        #expect(responses[pollID] == 1)
        #expect(responses.values.allSatisfy { $0 == 1 }, "\(responses)")
        #expect(client.anomalies.isEmpty, "\(client.anomalies)")
    }

    @Test func theDaemonWaitsInTheBackgroundForASwitchThatIsNotThereYet() async throws {
        let switchProcess = SwitchProcess()
        let client = XAPISwitchClient(switchPath: switchProcess.socketPath)
        var daemon: DaemonProcess?
        defer {
            client.stop()
            daemon?.cleanup()
            switchProcess.cleanup()
        }
        // The HTTP socket answers (DaemonProcess.start waits for it) while the switch is absent.
        daemon = try await DaemonProcess.start(["--message-switch", switchProcess.socketPath])
        let d = try #require(daemon)
        #expect(await eventually { d.log.contains("is not available") })
        try await switchProcess.launch()
        try await client.start()
        #expect(try await client.result(Doc.query)["name"] == .string("xenops"))
        #expect(d.log.components(separatedBy: "is not available").count == 2, "logged once, not per retry: \(d.log)")
        #expect(d.log.contains("serving queue \(xenopsQueue)"))
    }

    @Test func gracefulShutdownAnswersTheCallsInProgress() async throws {
        try await withSwitchedDaemon(["--shutdown-grace", "600"]) { switchProcess, daemon, client in
            let last = try #require(try await client.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#).intValue)
            let poll = Task { try await client.result(Doc.updatesGet(lastID: last, timeout: nil)) }
            #expect(try await eventually { try await daemon.waiters() >= 1 })
            daemon.kill(SIGTERM)
            // The waiting poll is answered (with nothing new), then the daemon exits cleanly.
            #expect(try await poll.value == .array([.array([]), .array([]), .int(Int64(last))]))
            #expect(await daemon.waitForExit() == 0)
            #expect(try await switchProcess.pendingIDs(xenopsQueue).isEmpty)
            #expect(daemon.log.contains("stopped serving queue \(xenopsQueue) on the message-switch"))
        }
    }
}

extension DaemonProcess {
    /// The number of `UPDATES.get` calls waiting in the engine, asked on the HTTP socket.
    func waiters() async throws -> Int {
        let text = try await result(#"{"method":"get_diagnostics","params":[{"debug_info":"x"}],"id":9}"#)
        return try JSONValue.parse(text.stringValue ?? "")["updates"]?["waiters"]?.intValue ?? -1
    }
}

import Foundation
import Testing
import XenopsCore
import XenopsTestSupport
import XenopsTestSwitch

/// The real daemon serving its queue on a message-switch (the `xenops-test-switch` process),
/// driven by an XAPI-side client that sends the raw JSON-RPC v1 documents XAPI sends.
@Suite struct SwitchTransportTests {
    typealias Doc = RawRPCDocuments

    @Test func xapiStartSequenceThroughTheSwitch() async throws {
        try await withSwitchedDaemon { switchProcess, daemon, client in
            #expect(try await client.text(Doc.importMetadata()) == #"{"result":"\#(Doc.vmID)","error":null,"id":17}"#)
            let startTask = try #require(try await client.result(Doc.start()).stringValue)
            let unpauseTask = try #require(try await client.result(Doc.unpause()).stringValue)
            let finished = try await waitForTasksToFinish([startTask, unpauseTask]) { try await client.result($0) }
            for task in [startTask, unpauseTask] {
                #expect(finished[task]?["state"]?.arrayElements?.first == .string("Completed"), "task \(task): \(finished[task]?.jsonString ?? "-")")
                #expect(try await client.text(Doc.taskDestroy(task)) == #"{"result":null,"error":null,"id":23}"#)
                #expect(try await client.text(Doc.taskStat(task)) == #"{"result":null,"error":["Does_not_exist",["task","\#(task)"]],"id":20}"#)
            }
            #expect(try await client.result(Doc.vmStat(Doc.vmID)).arrayElements?[1]["power_state"] == .string("Running"))

            let shutdownTask = try #require(try await client.result(Doc.vmShutdown(Doc.vmID)).stringValue)
            let stopped = try await waitForTasksToFinish([shutdownTask]) { try await client.result($0) }
            #expect(stopped[shutdownTask]?["state"]?.arrayElements?.first == .string("Completed"))
            #expect(try await client.result(Doc.vmStat(Doc.vmID)).arrayElements?[1]["power_state"] == .string("Halted"))

            // Every request was answered once and acknowledged (the switch holds nothing more),
            // and the HTTP socket still serves beside the switch.
            #expect(client.anomalies.isEmpty, "\(client.anomalies)")
            #expect(try await eventually { try await switchProcess.pendingIDs(xenopsQueue).isEmpty })
            #expect(try await daemon.result(Doc.query)["name"] == .string("xenops"))
            #expect(daemon.log.contains("serving queue \(xenopsQueue) on the message-switch at \(switchProcess.socketPath)"))
        }
    }

    @Test func aRequestThatCannotBeDecodedGetsAnErrorReplyWithAnID() async throws {
        try await withSwitchedDaemon { _, _, client in
            let reply = try JSONValue.parse(try await client.text("this is not JSON"))
            #expect(reply["id"] == .int(0))
            #expect(reply["result"] == .null)
            #expect(reply["error"]?.arrayElements?.first == .string("Internal_error"))
        }
    }

    @Test func aWaitingUpdatesGetDoesNotHoldUpOtherCalls() async throws {
        try await withSwitchedDaemon { _, daemon, client in
            let last = try #require(try await client.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#).intValue)
            // XAPI's event thread: no timeout, waits until something changes.
            let poll = Task { try await client.result(Doc.updatesGet(lastID: last, timeout: nil)) }
            #expect(try await eventually { try await Self.waiters(client) >= 1 })
            for i in 0..<20 {
                #expect(try await client.result(Doc.vmList(requestID: i)) == .array([]))
            }
            #expect(try await client.result(Doc.query)["name"] == .string("xenops"))
            // A change answers the poll with the VM's id.
            _ = try await daemon.result(Doc.importMetadata())
            let updates = try await poll.value
            #expect(updates.arrayElements?[1].arrayElements?.contains(.array([.string("Vm"), .string(Doc.vmID)])) == true)
            #expect(client.anomalies.isEmpty, "\(client.anomalies)")
        }
    }

    /// 100 calls across 20 VMs, sent at once. Parallel handling is proven without timing: 20
    /// `UPDATES.get` calls with no timeout are all waiting in the engine at the same moment
    /// (which a transport serving one message at a time could never reach), while 60 more
    /// calls go through and the first of them release the 20.
    @Test func hundredCallsAcrossTwentyVMsRunInParallel() async throws {
        try await withSwitchedDaemon(["--sim-step-latency-ms", "20", "--sim-host-memory-mib", "1048576"]) { switchProcess, _, client in
            let vms = (0..<20).map { String(format: "5e1e0000-0000-4000-8000-%012d", $0) }
            // 20 imports at once.
            let imported = try await withThrowingTaskGroup(of: String.self) { group in
                for (i, vm) in vms.enumerated() {
                    group.addTask { try await client.result(Doc.importMetadata(id: vm, name: "vm\(i)", requestID: 100 + i)).stringValue ?? "" }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(imported == Set(vms))

            let last = try #require(try await client.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#).intValue)
            let polls = (0..<20).map { i in Task { try await client.result(Doc.updatesGet(lastID: last, timeout: nil, requestID: 200 + i)) } }
            #expect(try await eventually { try await Self.waiters(client) >= 20 }, "20 UPDATES.get calls never waited at once")

            // 60 more at once: a start, a stat and an exists for every VM.
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
                        let exists = try await client.result(#"{"method":"VM.exists","params":[{"debug_info":"x","id":"\#(vm)"}],"id":\#(500 + i)}"#)
                        #expect(exists == .bool(true))
                    }
                }
                try await group.waitForAll()
            }
            for poll in polls {
                let updates = try await poll.value
                #expect(updates.arrayElements?[1].arrayElements?.isEmpty == false)
            }
            #expect(client.anomalies.isEmpty, "\(client.anomalies)")
            #expect(client.replyCounts.values.allSatisfy { $0 == 1 })
            #expect(try await eventually { try await switchProcess.pendingIDs(xenopsQueue).isEmpty })
            let started = try await waitForStarted(vms, client)
            #expect(started == Set(vms))
        }
    }

    /// The number of `UPDATES.get` calls waiting in the engine, asked through the switch.
    static func waiters(_ client: XAPISwitchClient) async throws -> Int {
        let text = try await client.result(#"{"method":"get_diagnostics","params":[{"debug_info":"x"}],"id":9}"#)
        let diagnostics = try JSONValue.parse(try #require(text.stringValue))
        return diagnostics["updates"]?["waiters"]?.intValue ?? -1
    }

    /// Waits until every VM in `vms` has a domain (`VM.start` leaves it Paused until
    /// `VM.unpause`); returns those that have.
    func waitForStarted(_ vms: [String], _ client: XAPISwitchClient) async throws -> Set<String> {
        var started: Set<String> = []
        _ = try await eventually {
            for vm in vms where !started.contains(vm) {
                let state = try await client.result(Doc.vmStat(vm)).arrayElements?[1]["power_state"]
                if state == .string("Paused") || state == .string("Running") { started.insert(vm) }
            }
            return started.count == vms.count
        }
        return started
    }
}

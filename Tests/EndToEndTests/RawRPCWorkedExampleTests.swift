import Foundation
import Testing
import XenopsCore
import XenopsTestSupport

/// The worked examples of xenops-interface.md §3.5 and XAPI's start sequence (§4.2), sent as
/// raw JSON-RPC documents to the real daemon.
@Suite struct RawRPCWorkedExampleTests {
    typealias Doc = RawRPCDocuments

    @Test func importMetadataWithDoubleEncodedMetadataReturnsTheVMID() async throws {
        try await withDaemon { daemon in
            let reply = try await daemon.call(Doc.importMetadata())
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/json")
            #expect(reply.text == #"{"result":"\#(Doc.vmID)","error":null,"id":17}"#)
            let stat = try await daemon.result(Doc.vmStat(Doc.vmID))
            #expect(stat.arrayElements?[0]["name"] == .string("debian12"))
            #expect(stat.arrayElements?[1]["power_state"] == .string("Halted"))
        }
    }

    @Test func startThenUnpauseWaitOnUpdatesThenStatAndDestroyTheTasks() async throws {
        try await withDaemon { daemon in
            _ = try await daemon.result(Doc.importMetadata())
            // XAPI queues both at once; send them back to back on one connection.
            let path = daemon.socketPath
            let (startReply, unpauseReply) = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send(RawHTTPConnection.request(Doc.start()) + RawHTTPConnection.request(Doc.unpause()))
                return (try json(try connection.readResponse()), try json(try connection.readResponse()))
            }
            let startTask = try #require(startReply["result"]?.stringValue)
            let unpauseTask = try #require(unpauseReply["result"]?.stringValue)
            #expect(startReply["id"] == .int(18) && unpauseReply["id"] == .int(19))
            #expect(Int(unpauseTask) == Int(startTask).map { $0 + 1 })

            let finished = try await daemon.waitForTasks([startTask, unpauseTask])
            for task in [startTask, unpauseTask] {
                let state = finished[task]?["state"]?.arrayElements
                #expect(state?.first == .string("Completed"), "task \(task): \(finished[task]?.jsonString ?? "-")")
                #expect(state?.last?["duration"] != nil)
                #expect(try await daemon.result(Doc.taskDestroy(task)) == .null)
                let gone = try await daemon.call(Doc.taskStat(task))
                #expect(gone.text == #"{"result":null,"error":["Does_not_exist",["task","\#(task)"]],"id":20}"#)
            }
            let stat = try await daemon.result(Doc.vmStat(Doc.vmID))
            #expect(stat.arrayElements?[1]["power_state"] == .string("Running"))
        }
    }

    @Test func taskStatHasTheXenopsShape() async throws {
        try await withDaemon { daemon in
            _ = try await daemon.result(Doc.importMetadata())
            let task = try #require(try await daemon.result(Doc.start()).stringValue)
            let stat = try #require(try await daemon.waitForTasks([task])[task])
            guard case .object(let members) = stat else { Issue.record("not an object: \(stat.jsonString)"); return }
            #expect(Set(members.map(\.key)) == ["id", "dbg", "ctime", "state", "subtasks", "debug_info", "backtrace", "cancellable"])
            #expect(stat["id"] == .string(task))
            #expect(stat["dbg"] == .string(Doc.dbg))
            if case .double? = stat["ctime"] {} else { Issue.record("ctime is not a float: \(stat.jsonString)") }
            #expect(stat["subtasks"] == .object([]))
            #expect(stat["debug_info"]?["cancel_points_seen"]?.stringValue != nil)
            #expect(stat["backtrace"] == .string("()"))
            if case .bool? = stat["cancellable"] {} else { Issue.record("cancellable is not a bool") }
            // A start of a running VM fails in the task, not in the reply.
            let again = try #require(try await daemon.result(Doc.start()).stringValue)
            let failed = try #require(try await daemon.waitForTasks([again])[again])
            #expect(failed["state"] == .array([.string("Failed"), .array([.string("Bad_power_state"), .array([.string("Paused"), .string("Halted")])])]))
        }
    }

    @Test func updatesGetTimesOutWithNothing() async throws {
        try await withDaemon { daemon in
            let last = try #require(try await daemon.result(#"{"method":"UPDATES.last_id","params":[{"debug_info":"x"}],"id":3}"#).intValue)
            let reply = try await daemon.call(Doc.updatesGet(lastID: last, timeout: 1))
            #expect(reply.text == #"{"result":[[],[],\#(last)],"error":null,"id":21}"#)
        }
    }

    @Test func queryAnswersWhoIsServing() async throws {
        try await withDaemon { daemon in
            let result = try await daemon.result(Doc.query)
            #expect(result["name"] == .string("xenops"))
            #expect(result["vendor"] == .string("XCP"))
            #expect(result["version"] == .string("0.1"))
            #expect(result["features"] == .array([]))
            let instance = try #require(result["instance_id"]?.stringValue)
            try await daemon.restart()
            #expect(try await daemon.result(Doc.query)["instance_id"]?.stringValue != instance)
        }
    }
}

extension JSONValue {
    var intValue: Int? {
        if case .int(let n) = self { return Int(n) }
        return nil
    }
}

import Foundation
import XenopsCore
import XenopsTestSupport

/// The JSON-RPC documents of xenops-interface.md §3.5, byte for byte as XAPI sends them.
enum RawRPCDocuments {
    static let vmID = InterfaceExamples.vmID
    static let dbg = InterfaceExamples.dbg

    /// The decoded `metadata` of example (a): an HVM/UEFI VM with one disk and one NIC.
    static func metadata(id: String = vmID, name: String = "debian12") -> String {
        InterfaceExamples.metadata(id: id, name: name)
    }

    /// Example (a): `VM.import_metadata` with the metadata double-encoded in a string.
    static func importMetadata(id: String = vmID, name: String = "debian12", requestID: Int = 17) -> String {
        InterfaceExamples.importMetadataRequest(id: id, name: name, requestID: requestID)
    }

    /// Example (b): `VM.start`.
    static func start(id: String = vmID, requestID: Int = 18) -> String {
        InterfaceExamples.startRequest(id: id, requestID: requestID)
    }

    /// Example (b): `VM.unpause`.
    static func unpause(id: String = vmID, requestID: Int = 19) -> String {
        InterfaceExamples.unpauseRequest(id: id, requestID: requestID)
    }

    /// Example (c): `Task.stat`.
    static func taskStat(_ task: String, requestID: Int = 20) -> String {
        InterfaceExamples.taskStatRequest(task, requestID: requestID)
    }

    static func taskDestroy(_ task: String, requestID: Int = 23) -> String {
        #"{"method":"Task.destroy","params":[{"debug_info":"\#(dbg)","id":"\#(task)"}],"id":\#(requestID)}"#
    }

    /// Example (d): `UPDATES.get` as XAPI's event thread sends it; `timeout` absent means forever.
    static func updatesGet(lastID: Int?, timeout: Int?, requestID: Int = 21) -> String {
        InterfaceExamples.updatesGetRequest(lastID: lastID, timeout: timeout, requestID: requestID)
    }

    /// Example (e): `query`.
    static let query = InterfaceExamples.queryRequest

    static func vmStat(_ id: String, requestID: Int = 22) -> String {
        InterfaceExamples.vmStatRequest(id, requestID: requestID)
    }

    static func vmList(requestID: Int = 30) -> String {
        #"{"method":"VM.list","params":[{"debug_info":"xapi","unit":null}],"id":\#(requestID)}"#
    }

    static func vmShutdown(_ id: String, requestID: Int = 31) -> String {
        #"{"method":"VM.shutdown","params":[{"debug_info":"\#(dbg)","id":"\#(id)"}],"id":\#(requestID)}"#
    }
}

/// Parses a reply body.
func json(_ response: RawHTTPResponse) throws -> JSONValue {
    try JSONValue.parse(response.body)
}

extension DaemonProcess {
    /// Sends a document and returns the reply's `result`, failing the test on an error reply.
    func result(_ body: String) async throws -> JSONValue {
        let reply = try json(try await call(body))
        guard reply["error"] == .null else {
            throw DaemonError("\(body.prefix(80))… failed: \(reply.jsonString)")
        }
        return reply["result"] ?? .null
    }

    /// Waits on UPDATES.get, as XAPI's `wait_for_task` does, until every task in `tasks` has
    /// finished; returns their final `Task.stat` results.
    func waitForTasks(_ tasks: [String], timeout: Duration = .seconds(60)) async throws -> [String: JSONValue] {
        var finished: [String: JSONValue] = [:]
        var lastID: Int? = nil
        let deadline = ContinuousClock.now + timeout
        while finished.count < tasks.count {
            guard ContinuousClock.now < deadline else { throw DaemonError("tasks \(tasks) did not finish within \(timeout)") }
            let updates = try await result(RawRPCDocuments.updatesGet(lastID: lastID, timeout: 5))
            guard case .array(let parts) = updates, parts.count == 3, case .int(let next) = parts[2] else {
                throw DaemonError("bad UPDATES.get result \(updates.jsonString)")
            }
            lastID = Int(next)
            for task in tasks where finished[task] == nil {
                guard parts[1].arrayElements?.contains(.array([.string("Task"), .string(task)])) == true else { continue }
                let stat = try await result(RawRPCDocuments.taskStat(task))
                if case .array(let state)? = stat["state"], state.first != .string("Pending") { finished[task] = stat }
            }
        }
        return finished
    }

    /// The `[power_state, domids]` of every VM, by id, from VM.list.
    func powerStates() async throws -> [String: (String, [JSONValue])] {
        let list = try await result(RawRPCDocuments.vmList())
        var states: [String: (String, [JSONValue])] = [:]
        for pair in list.arrayElements ?? [] {
            guard let id = pair.arrayElements?[0]["id"]?.stringValue, let state = pair.arrayElements?[1] else { continue }
            states[id] = (state["power_state"]?.stringValue ?? "?", state["domids"]?.arrayElements ?? [])
        }
        return states
    }
}

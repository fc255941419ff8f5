import XenopsCore

/// The JSON-RPC documents of xenops-interface.md §3.5, byte for byte as XAPI sends them, and
/// the results they get back. The end-to-end tests send them to the daemon; the codec and
/// XML-RPC tests decode them.
extension InterfaceExamples {
    /// The `debug_info` of examples (a)–(c).
    public static let dbg = "Async.VM.start R:593283cf10c0"

    /// Example (a): `VM.import_metadata` with the metadata double-encoded in a string.
    public static func importMetadataRequest(id: String = vmID, name: String = "debian12", requestID: Int = 17) -> String {
        let encoded = JSONValue.string(metadata(id: id, name: name)).jsonString
        return #"{"method":"VM.import_metadata","params":[{"debug_info":"\#(dbg)","metadata":\#(encoded)}],"id":\#(requestID)}"#
    }

    /// Example (b): `VM.start`.
    public static func startRequest(id: String = vmID, requestID: Int = 18) -> String {
        #"{"method":"VM.start","params":[{"debug_info":"\#(dbg)","id":"\#(id)","paused":false}],"id":\#(requestID)}"#
    }

    /// Example (b): `VM.unpause`.
    public static func unpauseRequest(id: String = vmID, requestID: Int = 19) -> String {
        #"{"method":"VM.unpause","params":[{"debug_info":"\#(dbg)","id":"\#(id)"}],"id":\#(requestID)}"#
    }

    /// Example (c): `Task.stat`.
    public static func taskStatRequest(_ task: String, requestID: Int = 20) -> String {
        #"{"method":"Task.stat","params":[{"debug_info":"\#(dbg)","id":"\#(task)"}],"id":\#(requestID)}"#
    }

    /// Example (d): `UPDATES.get` as XAPI's event thread sends it; `timeout` absent means forever.
    public static func updatesGetRequest(lastID: Int?, timeout: Int?, requestID: Int = 21) -> String {
        var params = #""debug_info":"org.xen.xapi.xenops.classic events D:23b896eda772""#
        if let lastID { params += #","last_id":\#(lastID)"# }
        if let timeout { params += #","timeout":\#(timeout)"# }
        return #"{"method":"UPDATES.get","params":[{\#(params)}],"id":\#(requestID)}"#
    }

    /// Example (e): `query`.
    public static let queryRequest = #"{"method":"query","params":[{"debug_info":"xapi","unit":null}],"id":1}"#

    /// Example (b): the Sync `VM.stat` whose error comes back in the reply.
    public static func vmStatRequest(_ id: String, requestID: Int = 22) -> String {
        #"{"method":"VM.stat","params":[{"debug_info":"x","id":"\#(id)"}],"id":\#(requestID)}"#
    }

    /// Every request of §3.5, with a name for test output.
    public static var workedRequests: [(name: String, json: String)] {
        [
            ("(a) VM.import_metadata", importMetadataRequest()),
            ("(b) VM.start", startRequest()),
            ("(b) VM.unpause", unpauseRequest()),
            ("(b) VM.stat of an unknown VM", vmStatRequest("00000000-0000-0000-0000-000000000bad")),
            ("(c) Task.stat", taskStatRequest("57")),
            ("(d) UPDATES.get, XAPI's event thread", updatesGetRequest(lastID: 1234, timeout: nil)),
            ("(d) UPDATES.get with a timeout", updatesGetRequest(lastID: 1234, timeout: 30)),
            ("(e) query", queryRequest),
        ]
    }

    // MARK: Results

    /// Example (c): a `Task.t` in `state` (one of ``taskStates``).
    public static func taskResult(state: String) -> String {
        """
        {"id":"57","dbg":"Async.VM.start R:593283cf10c0","ctime":1718000000.25,
         "state":\(state),"subtasks":{},"debug_info":{"cancel_points_seen":"7"},
         "backtrace":"()","cancellable":true}
        """
    }

    /// Example (c): the task states shown, running, completed and failed.
    public static let taskStates = [
        #"["Pending",0.42]"#,
        #"["Completed",{"duration":3.71}]"#,
        #"["Failed",["Failed_to_start_emulator",["7b719ce6-0b17-9733-e8ee-dbc1e6e7b701","qemu-dm","Daemon exited unexpectedly"]]]"#,
        #"["Failed",["Bad_power_state",["Running","Halted"]]]"#,
    ]

    /// Example (d): an `UPDATES.get` result with a barrier, and the timeout reply.
    public static let updatesResults = [
        #"""
        [ [[7,[["Vm","\#(vmID)"],["Vbd",["\#(vmID)","xvda"]]]]],
          [["Vm","\#(vmID)"],["Vif",["\#(vmID)","0"]],["Task","57"]],
          1241 ]
        """#,
        "[[],[],1234]",
    ]

    /// Example (e): the `query` result.
    public static let queryResult = #"{"name":"xenops","vendor":"XCP","version":"0.1","features":[],"instance_id":"4f1c"}"#

    /// The errors of §3.5 as they appear in a reply's `error`.
    public static let errors = [
        #"["Does_not_exist",["VM","00000000-0000-0000-0000-000000000bad/config"]]"#,
        #"["Does_not_exist",["task","57"]]"#,
        #"["Bad_power_state",["Running","Halted"]]"#,
    ]
}

/// `Host.guest_agent_feature`: a guest-agent feature the pool is licensed for, written to
/// xenstore (`/guest_agent_features/<name>/…`) by `HOST.update_guest_agent_features`.
public struct GuestAgentFeature: Sendable, Hashable, XenopsCodable {
    public var name: String
    public var licensed: Bool
    public var parameters: [String: String]

    public init(name: String, licensed: Bool, parameters: [String: String] = [:]) {
        self.name = name
        self.licensed = licensed
        self.parameters = parameters
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Host.guest_agent_feature")
        name = try r.required("name")
        licensed = try r.required("licensed")
        parameters = try r.required("parameters")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 3)
        w.set("name", name)
        w.set("licensed", licensed)
        w.set("parameters", parameters)
        return w.json
    }
}

/// What a guest-agent script (`VM.run_script`) returned: the task's `result`,
/// `{"rc": …, "stdout": …, "stderr": …}` as xenopsd reports it.
public struct GuestScriptResult: Sendable, Hashable {
    public var rc: Int64
    public var stdout: String
    public var stderr: String

    /// The longest output reported, in bytes, as xenopsd truncates it.
    public static let outputLimit = 1024
    static let truncationMark = " (truncated)"

    public init(rc: Int64, stdout: String, stderr: String) {
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Interprets what the guest agent left in `control/batcmd` (xenopsd's `run_script`):
    /// `state` must be `SUCCESS` or `TRUNCATED` and `return` an integer; outputs longer than
    /// 1 KiB (or marked truncated by the agent) are cut and end in `" (truncated)"`.
    ///
    /// - Throws: `Failed_to_run_script` with everything the agent wrote, otherwise.
    public init(agentState state: String, rc: String, stdout: String, stderr: String) throws(XenopsError) {
        let truncated = state == "TRUNCATED"
        let out = Self.truncate(stdout, truncated: truncated)
        let err = Self.truncate(stderr, truncated: truncated)
        guard state == "SUCCESS" || truncated, let code = Int64(rc) else {
            throw .failedToRunScript("flag = \(state), rc = \(rc), stdout = \(out), stderr = \(err)")
        }
        self.init(rc: code, stdout: out, stderr: err)
    }

    static func truncate(_ s: String, truncated: Bool) -> String {
        let bytes = Array(s.utf8)
        let keep = outputLimit - truncationMark.utf8.count
        guard bytes.count >= outputLimit || (truncated && bytes.count > keep) else { return s }
        return String(decoding: bytes.prefix(keep), as: UTF8.self) + truncationMark
    }

    /// `{"rc": …, "stdout": …, "stderr": …}`.
    public var json: JSONValue {
        .object([JSONMember("rc", .int(rc)), JSONMember("stdout", .string(stdout)), JSONMember("stderr", .string(stderr))])
    }
}

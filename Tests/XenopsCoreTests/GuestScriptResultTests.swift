import Testing
import XenopsCore

/// `VM.run_script`'s result, interpreted as xenopsd interprets the guest agent's keys.
@Suite struct GuestScriptResultTests {
    @Test func successAndFailureStates() throws {
        #expect(try GuestScriptResult(agentState: "SUCCESS", rc: "0", stdout: "ok", stderr: "") == GuestScriptResult(rc: 0, stdout: "ok", stderr: ""))
        #expect(throws: XenopsError.failedToRunScript("flag = FAILURE, rc = , stdout = , stderr = boom")) {
            try GuestScriptResult(agentState: "FAILURE", rc: "", stdout: "", stderr: "boom")
        }
        #expect(throws: XenopsError.self) { try GuestScriptResult(agentState: "SUCCESS", rc: "x", stdout: "", stderr: "") }
    }

    @Test func outputsAreCutAt1KiBWithAMark() throws {
        let long = String(repeating: "a", count: 2000)
        let r = try GuestScriptResult(agentState: "SUCCESS", rc: "0", stdout: long, stderr: "short")
        #expect(r.stdout.utf8.count == 1024 && r.stdout.hasSuffix(" (truncated)"))
        #expect(r.stderr == "short")
        // TRUNCATED from the agent marks output that is nearly full, too.
        let near = String(repeating: "b", count: 1020)
        #expect(try GuestScriptResult(agentState: "TRUNCATED", rc: "1", stdout: near, stderr: "").stdout.hasSuffix(" (truncated)"))
        #expect(r.json == .object([JSONMember("rc", .int(0)), JSONMember("stdout", .string(r.stdout)), JSONMember("stderr", .string("short"))]))
    }
}

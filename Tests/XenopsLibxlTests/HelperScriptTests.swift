import Foundation
import Testing
import XenopsBackend
@testable import XenopsLibxl

/// The helper programs the libxl backend runs for VIF settings (`setup-vif-rules` & co),
/// exercised with scripts the tests write: no shell, exact arguments, honest failures.
@Suite struct HelperScriptTests {
    /// A directory with an executable script `name` whose body is `body`.
    private func script(_ body: String) throws -> (dir: URL, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xenops-helper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("setup-vif-rules").path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        guard chmod(path, 0o755) == 0 else { throw CocoaError(.fileWriteNoPermission) }
        return (dir, path)
    }

    private func helper(_ path: String, timeout: Duration = .seconds(10)) -> HelperScript {
        HelperScript(path: path, purpose: "The VIF locking mode", install: "Install it.", timeout: timeout)
    }

    @Test func setupVifRulesGetsXenopsdsArgumentsVerbatim() throws {
        let (dir, path) = try script(#"for a in "$@"; do printf '[%s]' "$a"; done"#)
        defer { try? FileManager.default.removeItem(at: dir) }
        let vm = "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"
        let args = LibxlHypervisor.vifRulesArguments(interface: "vif5.1", vm: vm, devid: 1)
        #expect(args == ["classic", "vif5.1", vm, "1", "filter"])
        #expect(try helper(path).run(args, operation: "VIF.set_locking_mode") == "[classic][vif5.1][\(vm)][1][filter]")
        // No shell between us and the program: metacharacters arrive as data.
        #expect(try helper(path).run(["a b", "$(reboot)", ";id"], operation: "t") == "[a b][$(reboot)][;id]")
    }

    @Test func aMissingProgramIsUnsupportedAndSaysWhatToInstall() throws {
        do {
            try helper("/nonexistent/setup-vif-rules").run([], operation: "VIF.set_locking_mode")
            Issue.record("a missing program ran")
        } catch let BackendError.unsupported(operation, backend, reason) {
            #expect(operation == "VIF.set_locking_mode" && backend == "libxl")
            #expect(reason.contains("/nonexistent/setup-vif-rules") && reason.contains("Install it."))
        }
    }

    @Test func aFailingProgramReportsItsStatusAndMessage() throws {
        let (dir, path) = try script("echo 'iptables: no chain' >&2; exit 3")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try helper(path).run(["classic"], operation: "VIF.set_locking_mode")
            Issue.record("a failing program succeeded")
        } catch let BackendError.failed(_, code, detail, _) {
            #expect(code == 3)
            #expect(detail.contains("exited with status 3") && detail.contains("iptables: no chain"))
        }
    }

    @Test func aHangingProgramIsKilledAtTheTimeout() throws {
        let (dir, path) = try script("exec sleep 30")
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            try helper(path, timeout: .milliseconds(200)).run([], operation: "t")
            Issue.record("a hanging program returned")
        } catch let BackendError.failed(_, _, detail, _) {
            #expect(detail.contains("did not finish"))
        }
    }
}

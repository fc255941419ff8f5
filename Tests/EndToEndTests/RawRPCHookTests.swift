import Foundation
import Testing
import XenopsCore
import XenopsTestSupport

/// The daemon with `--hooks-dir`: xenopsd's /etc/xapi.d scripts, run for real.
@Suite("Hook scripts through the real daemon")
struct RawRPCHookTests {
    typealias Doc = RawRPCDocuments

    @Test func failingPreStartFailsVMStartWithHookFailedAndPostDestroyExitOneContinues() async throws {
        let hooks = try TemporaryDirectory(prefix: "xenopsd-e2e-hooks")
        defer { hooks.remove() }
        let outbox = hooks.file("out")
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        func script(_ folder: String, _ name: String, _ body: String) throws {
            try FileManager.default.createDirectory(atPath: hooks.file(folder), withIntermediateDirectories: true)
            let path = hooks.file("\(folder)/\(name)")
            try Data("#!/bin/sh\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        try script("vm-pre-start", "10-deny", #"printf '%s\n' "$@" > \#(outbox)/pre-start; echo "denied by policy"; exit 3"#)
        try script("vm-post-destroy", "10-note", #"printf '%s\n' "$@" > \#(outbox)/post-destroy; echo "noted"; exit 1"#)

        try await withDaemon(["--hooks-dir", hooks.path, "--hook-timeout", "30"]) { daemon in
            let id = Doc.vmID
            #expect(try await daemon.result(Doc.importMetadata(id: id)) == .string(id))
            let denied = try #require(try await daemon.result(Doc.start(id: id)).stringValue)
            let stat = try #require(try await daemon.waitForTasks([denied])[denied])
            #expect(stat["state"]?.jsonString == #"["Failed",["Hook_failed",["vm-pre-start/10-deny","none","denied by policy\n","3"]]]"#)
            #expect(try String(contentsOfFile: outbox + "/pre-start", encoding: .utf8) == "-vmuuid\n\(id)\n-reason\nnone\n")
            #expect(try await daemon.powerStates()[id]?.0 == "Halted")
            #expect(try await daemon.powerStates()[id]?.1.isEmpty == true)

            // Allowed now: the folder is read at each run.
            try script("vm-pre-start", "10-deny", "exit 0")
            let started = try #require(try await daemon.result(Doc.start(id: id)).stringValue)
            #expect(try await daemon.waitForTasks([started])[started]?["state"]?.arrayElements?.first == .string("Completed"))
            let shutdown = try #require(try await daemon.result(Doc.vmShutdown(id)).stringValue)
            #expect(try await daemon.waitForTasks([shutdown])[shutdown]?["state"]?.arrayElements?.first == .string("Completed"))
            // VM.shutdown with no timeout is a hard shutdown; the domain is gone, so no -vmdomid.
            #expect(try String(contentsOfFile: outbox + "/post-destroy", encoding: .utf8) == "-vmuuid\n\(id)\n-reason\nhard-shutdown\n")
            #expect(try await daemon.powerStates()[id]?.0 == "Halted")
            #expect(daemon.log.contains(#"hook vm-post-destroy/10-note asked to log and continue: noted\n"#))
        }
    }
}

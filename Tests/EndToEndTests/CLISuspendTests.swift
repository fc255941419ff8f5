import Foundation
import Testing
import XenopsCore

/// `xenopsctl vm suspend|resume|set-vcpus|set-memory` against the real daemon.
@Suite("CLI: suspend, resume, vCPUs and memory", .timeLimit(.minutes(5)))
struct CLISuspendTests {
    @Test("suspend to a file, resume from it, and change vCPUs and memory")
    func suspendResumeVcpusMemory() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "s"))
            let started = try await cli.run("vm", "start", id)
            #expect(started.status == 0, "\(started)")

            let vcpus = try await cli.run("vm", "set-vcpus", id, "1")
            #expect(vcpus.status == 0, "\(vcpus)")
            let memory = try await cli.run("vm", "set-memory", id, "--min", "256", "--max", "384")
            #expect(memory.status == 0, "\(memory)")
            let tooMany = try await cli.run("vm", "set-vcpus", id, "99")
            #expect(tooMany.status == 1, "\(tooMany)")
            #expect(tooMany.stderr.contains("vCPU"), "\(tooMany)")

            let image = NSTemporaryDirectory() + "xenopsctl-suspend-\(id).img"
            defer { try? FileManager.default.removeItem(atPath: image) }
            let suspended = try await cli.run("vm", "suspend", id, "--image", image)
            #expect(suspended.status == 0, "\(suspended)")
            #expect(FileManager.default.fileExists(atPath: image))
            let show = try await cli.run("vm", "show", id)
            #expect(show.field("Power state") == "suspended", "\(show)")

            let resumed = try await cli.run("vm", "resume", id, "--image", image)
            #expect(resumed.status == 0, "\(resumed)")
            let after = try await cli.run("--json", "vm", "list")
            let pair = try #require(try JSONValue.parse(after.stdout).arrayElements?.first?.arrayElements)
            let state = try VMState(xenops: pair[1])
            #expect(state.powerState == .running)
            #expect(state.vcpuTarget == 1, "the saved vCPU count comes back")
            #expect(state.memoryTarget == 384 << 20)
        }
    }
}

import Foundation
import Testing
import XenopsClient
import XenopsCore

/// `xenopsctl events`, `task …` and `host info` against the real daemon.
@Suite("CLI: events, tasks, host", .timeLimit(.minutes(5)))
struct CLIEventsTaskHostTests {
    @Test("events prints a change as it happens, with a timestamp and the VM's new power state")
    func eventsLive() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "ev"))
            #expect(try await cli.run("vm", "start", id).status == 0)

            let events = try cli.start(["events", "--timeout", "30"])
            defer { events.stop() }
            try await Task.sleep(for: .seconds(1))
            #expect(try await cli.run("vm", "pause", id).status == 0)
            var line: String?
            let deadline = ContinuousClock.now + .seconds(20)
            while line == nil, ContinuousClock.now < deadline {
                line = events.stdout.split(separator: "\n").map(String.init).first { $0.contains("VM \(id)") && $0.contains("paused") }
                if line == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let found = try #require(line, "events printed: \(events.stdout)")
            // 2026-11-29T10:11:12.345Z  VM <uuid>  paused (domid 1) [ev]
            #expect(found.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z  VM "#, options: .regularExpression) != nil, "\(found)")
            #expect(found.hasSuffix("[ev]"))
        }
    }

    @Test("events --from N --timeout S prints what changed since N, as JSON lines with --json")
    func eventsFromJSON() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let client = XenopsClient(socketPath: daemon.socketPath, debugInfo: "cli-test")
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "ev"))
            let from = try await client.updatesLastID()
            #expect(try await cli.run("vm", "start", id, "--paused").status == 0)

            let result = try await cli.run("events", "--from", String(from), "--timeout", "1", "--json")
            #expect(result.status == 0, "\(result)")
            let objects = try result.lines.map { try JSONValue.parse($0) }
            #expect(!objects.isEmpty)
            for object in objects { #expect(object["time"]?.stringValue != nil) }
            let vmEvent = try #require(objects.first { $0["id"] == DynamicID.vm(id).xenops }, "\(result)")
            #expect(try VMState(xenops: try #require(vmEvent["state"])).powerState == .paused)

            let counted = try await cli.run("events", "--from", String(from), "--count", "1", "--timeout", "10")
            #expect(counted.status == 0 && counted.lines.count == 1, "\(counted)")
        }
    }

    @Test("task list, show and cancel: a cancelled task fails with Cancelled")
    func tasks() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let client = XenopsClient(socketPath: daemon.socketPath, debugInfo: "cli-test delay")
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "slow"))
            let task = try await client.vmDelay(id, seconds: 30)

            let list = try await cli.run("task", "list")
            #expect(list.status == 0, "\(list)")
            #expect(list.lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["ID", "STATE", "PROGRESS", "AGE", "DEBUG_INFO"])
            let row = try #require(list.lines.first { $0.hasPrefix(task + " ") }, "\(list)")
            #expect(row.contains("pending") && row.contains("cli-test delay"))

            let cancel = try await cli.run("task", "cancel", task)
            #expect(cancel.status == 0 && cancel.lines == ["Cancellation of task \(task) requested"], "\(cancel)")
            let info = try await client.waitForTask(task, timeout: .seconds(20), destroy: false)
            #expect(info.state == .failed(XenopsError.cancelled(task: task).xenops))
            let show = try await cli.run("task", "show", task)
            #expect(show.field("State") == "failed", "\(show)")
            #expect(show.field("Error") == "task \(task) was cancelled")

            let unknown = try await cli.run("task", "show", "99999")
            #expect(unknown.status == 1 && unknown.stderr.hasPrefix("error: task 99999 does not exist"), "\(unknown)")
        }
    }

    @Test("host info names the daemon, the hypervisor and the memory")
    func hostInfo() async throws {
        try await withDaemon { daemon in
            let result = try await CLIRunner(socket: daemon.socketPath).run("host", "info")
            #expect(result.status == 0, "\(result)")
            #expect(result.field("Daemon")?.hasPrefix("xenops 0.1") == true, "\(result)")
            #expect(result.field("Hypervisor")?.hasPrefix("Xen ") == true)
            #expect(result.field("Socket") == daemon.socketPath)
            #expect(result.field("Memory")?.hasSuffix("iB") == true)
        }
    }
}

import Foundation
import Testing
import XenopsCore

/// How `xenopsctl` fails: exit codes, `error:` and `hint:` lines, usage errors.
@Suite("CLI: errors and exit codes", .timeLimit(.minutes(5)))
struct CLIErrorTests {
    @Test("no daemon: exit 3, the problem in words and a hint on how to start it")
    func daemonNotRunning() async throws {
        let socket = "/tmp/xenopsctl-test-\(UUID().uuidString.prefix(8))/xenopsd.sock"
        let result = try await CLIRunner(socket: socket).run("vm", "list")
        #expect(result.status == 3, "\(result)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(result)")
        #expect(lines.first == "error: xenopsd is not running (nothing is listening on \(socket))")
        #expect(lines.last?.hasPrefix("hint: Start it") == true)
        #expect(lines.last?.contains("--socket") == true)
    }

    @Test("XENOPSD_SOCKET picks the socket when --socket is not given")
    func socketFromEnvironment() async throws {
        let socket = "/tmp/xenopsctl-env-\(UUID().uuidString.prefix(8)).sock"
        let result = try await CLIRunner(socket: nil, environment: ["XENOPSD_SOCKET": socket]).run("host", "info")
        #expect(result.status == 3)
        #expect(result.stderr.contains(socket), "\(result)")
    }

    @Test("usage errors exit 2 with the parser's message")
    func usage() async throws {
        let cli = CLIRunner(socket: "/tmp/unused.sock")
        let cases: [[String]] = [
            ["vm", "start"],
            ["vm", "frobnicate"],
            ["nonsense"],
            ["vm", "shutdown", "x", "--force", "--timeout", "5"],
            ["vm", "shutdown", "x", "--timeout", "soon"],
            ["events", "--count", "0"],
            ["vm", "list", "--no-such-option"],
        ]
        for arguments in cases {
            let result = try await cli.run(arguments: arguments)
            #expect(result.status == 2, "\(arguments): \(result)")
            #expect(result.stderr.contains("Error:") || result.stderr.contains("error:"), "\(arguments): \(result)")
            #expect(result.stdout.isEmpty)
        }
    }

    @Test("--help prints help on stdout and exits 0")
    func help() async throws {
        let result = try await CLIRunner(socket: nil).run("vm", "start", "--help")
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: xenopsctl vm start"))
        #expect(result.stdout.contains("--paused") && result.stdout.contains("--no-wait") && result.stdout.contains("--socket"))
    }

    @Test("an input file that is not a VM document: exit 2, with what is wrong")
    func badFile() async throws {
        let cli = CLIRunner(socket: "/tmp/unused.sock")
        let notJSON = try await cli.run("vm", "create", "-", stdin: "{nope")
        #expect(notJSON.status == 2 && notJSON.stderr.hasPrefix("error: stdin is not valid JSON"), "\(notJSON)")
        let noMemory = try await cli.run("vm", "create", "-", stdin: #"{"vm": {"id": "x"}}"#)
        #expect(noMemory.status == 2 && noMemory.stderr.contains("not a valid Metadata.t"), "\(noMemory)")
        #expect(noMemory.stderr.contains("\nhint: "))
        let missing = try await cli.run("vm", "create", "/no/such/file.json")
        #expect(missing.status == 2 && missing.stderr.contains("No such file"), "\(missing)")
    }

    @Test("an unknown VM: exit 1 with the daemon's Does_not_exist in words and a hint")
    func unknownVM() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let missing = "00000000-0000-0000-0000-000000000bad"
            for arguments in [["vm", "show", missing], ["vm", "start", missing], ["vbd", "list", missing]] {
                let result = try await cli.run(arguments: arguments)
                #expect(result.status == 1, "\(arguments): \(result)")
                #expect(result.stderr.hasPrefix("error: VM \(missing)"), "\(arguments): \(result)")
                #expect(result.stderr.contains("does not exist"))
                #expect(result.stderr.contains("\nhint: Check the id; 'xenopsctl vm list'"), "\(result)")
            }
        }
    }

    @Test("a task that fails: exit 1 with the task's error (starting a running VM)")
    func failedTask() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "twice"))
            #expect(try await cli.run("vm", "start", id).status == 0)
            let again = try await cli.run("vm", "start", id)
            #expect(again.status == 1, "\(again)")
            #expect(again.stderr.hasPrefix("error: the VM is running but the operation needs it halted"), "\(again)")
            #expect(again.stderr.contains("hint: Bring the VM to halted"))
            #expect(try await cli.run("vm", "list").stdout.contains("running"))
            // The failed start and the unpause queued behind it leave no task behind.
            var left = Int.max
            for _ in 0..<100 where left > 1 {
                left = try await cli.run("task", "list").lines.count
                if left > 1 { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(left == 1)
        }
    }

    @Test("global options work before the command too")
    func globalOptionsFirst() async throws {
        try await withDaemon { daemon in
            let result = try await CLIRunner(socket: nil).run("--socket", daemon.socketPath, "--json", "--debug-info", "ops ticket 42", "vm", "list")
            #expect(result.status == 0, "\(result)")
            #expect(try JSONValue.parse(result.stdout) == .array([]))
        }
    }
}

/// Exit status 4, against a stub daemon that is too slow (no real daemon needed).
@Suite("CLI: timeouts", .timeLimit(.minutes(2)))
struct CLITimeoutTests {
    @Test("a daemon that does not answer: exit 4 once XENOPSCTL_TIMEOUT passes")
    func callTimeout() async throws {
        let server = try ClientStubServer { _ in .hang }
        defer { server.stop() }
        let result = try await CLIRunner(socket: server.path, environment: ["XENOPSCTL_TIMEOUT": "0.5"]).run("vm", "list")
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.hasPrefix("error: timed out waiting for VM.list"), "\(result)")
        #expect(result.stderr.contains("\nhint: "))
    }

    @Test("a task that does not finish: exit 4, and the task is left running")
    func taskTimeout() async throws {
        let server = try ClientStubServer { request in
            switch request.method {
            case "VM.exists": return .result(.bool(true))
            case "VM.pause": return .result(.string("1"))
            case "UPDATES.last_id": return .result(.int(0))
            case "Task.stat": return .result(TaskInfo(id: "1", dbg: "d", ctime: 0, state: .pending(0.25)).xenops)
            case "UPDATES.get":
                usleep(100_000)
                return .result(UpdatesResult(barriers: [], ids: [], next: 0).xenops)
            default: return .error(XenopsError.unimplemented(request.method ?? "").xenops)
            }
        }
        defer { server.stop() }
        let result = try await CLIRunner(socket: server.path, environment: ["XENOPSCTL_TIMEOUT": "1"]).run("vm", "pause", "v")
        #expect(result.status == 4, "\(result)")
        #expect(result.stderr.hasPrefix("error: timed out waiting for task 1 to finish"), "\(result)")
        #expect(!server.methods.contains("Task.destroy"))
    }
}

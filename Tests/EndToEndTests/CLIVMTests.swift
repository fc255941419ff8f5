import Foundation
import Testing
import XenopsCore

/// `xenopsctl vm …` against the real daemon: create, list, show, the lifecycle, export.
@Suite("CLI: VMs", .timeLimit(.minutes(5)))
struct CLIVMTests {
    @Test("vm create from a file and from stdin (Metadata.t and bare Vm.t), then list and show")
    func createListShow() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID(), bare = CLIFixtures.newID()
            let path = try CLIFixtures.file(CLIFixtures.metadata(id: id, name: "web"))
            defer { try? FileManager.default.removeItem(atPath: path) }

            let created = try await cli.run("vm", "create", path)
            #expect(created.status == 0, "\(created)")
            #expect(created.lines == [id])
            let fromStdin = try await cli.run("vm", "create", "-", stdin: CLIFixtures.bareVM(id: bare, name: "db"))
            #expect(fromStdin.status == 0, "\(fromStdin)")
            #expect(fromStdin.lines == [bare])

            let list = try await cli.run("vm", "list")
            #expect(list.status == 0, "\(list)")
            #expect(list.lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["UUID", "NAME", "POWER", "DOMID", "VCPUS", "MEMORY"])
            let web = try #require(list.lines.first { $0.hasPrefix(id) })
            #expect(web.split(separator: " ", omittingEmptySubsequences: true) == [Substring(id), "web", "halted", "-", "2", "512", "MiB"])
            #expect(list.lines.contains { $0.hasPrefix(bare) && $0.contains("db") })

            let show = try await cli.run("vm", "show", "web")
            #expect(show.status == 0, "\(show)")
            #expect(show.stdout.contains("UUID:") && show.stdout.contains(id))
            #expect(show.field("Power state") == "halted")
            #expect(show.field("Type") == "PV")
            #expect(show.stdout.contains("xvda") && show.stdout.contains("local:/dev/null"))
            #expect(show.stdout.contains("xvdd") && show.stdout.contains("CDROM") && show.stdout.contains("(empty)"))
            #expect(show.stdout.contains("aa:bb:cc:00:11:22") && show.stdout.contains("xenbr0"))

            let byPrefix = try await cli.run("vm", "show", String(id.prefix(8)))
            #expect(byPrefix.status == 0 && byPrefix.stdout.contains(id), "\(byPrefix)")
        }
    }

    @Test("--json output parses as the xenops encodings")
    func jsonOutput() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "j"))

            let list = try await cli.run("--json", "vm", "list")
            #expect(list.status == 0, "\(list)")
            let pairs = try #require(try JSONValue.parse(list.stdout).arrayElements)
            #expect(pairs.count == 1)
            let pair = try #require(pairs.first?.arrayElements)
            #expect(try VM(xenops: pair[0]).id == id)
            #expect(try VMState(xenops: pair[1]).powerState == .halted)

            let show = try await cli.run("vm", "show", id, "--json")
            let doc = try JSONValue.parse(show.stdout)
            #expect(try VM(xenops: try #require(doc["vm"])).name == "j")
            #expect(doc["vbds"]?.arrayElements?.count == 2)
            #expect(doc["vifs"]?.arrayElements?.count == 1)

            let start = try await cli.run("vm", "start", id, "--json")
            #expect(start.status == 0, "\(start)")
            let started = try JSONValue.parse(start.stdout)
            let tasks = try #require(started["tasks"]?.arrayElements)
            #expect(tasks.count == 2)
            for task in tasks { #expect(try TaskInfo(xenops: task).state.isFinished) }
            #expect(try VMState(xenops: try #require(started["state"])).powerState == .running)

            let vbds = try await cli.run("--json", "vbd", "list", id)
            #expect(try JSONValue.parse(vbds.stdout).arrayElements?.count == 2)
            let vifs = try await cli.run("--json", "vif", "list", id)
            #expect(try JSONValue.parse(vifs.stdout).arrayElements?.count == 1)
            let host = try await cli.run("--json", "host", "info")
            let hostDoc = try JSONValue.parse(host.stdout)
            #expect(try QueryResult(xenops: try #require(hostDoc["query"])).name == "xenops")
            #expect(try HostInfo(xenops: try #require(hostDoc["host"])).cpuInfo.cpuCount > 0)
            let tasksList = try await cli.run("--json", "task", "list")
            #expect(try [TaskInfo](xenops: try JSONValue.parse(tasksList.stdout)).isEmpty)
        }
    }

    @Test("the lifecycle: start (waits and unpauses), pause, unpause, clean and forced shutdown, reboot, destroy, remove")
    func lifecycle() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "life"))

            let start = try await cli.run("vm", "start", "life")
            #expect(start.status == 0, "\(start)")
            #expect(start.lines.count == 1)
            #expect(start.stdout.hasPrefix("VM life is running (domid "), "\(start)")
            #expect(start.stderr.isEmpty, "no progress bar without a terminal")

            let list = try await cli.run("vm", "list")
            let row = try #require(list.lines.first { $0.hasPrefix(id) }).split(separator: " ", omittingEmptySubsequences: true)
            #expect(row[2] == "running")
            #expect(Int(row[3]) != nil, "a domid: \(row)")

            #expect(try await cli.run("vm", "pause", id).stdout.hasPrefix("VM \(id) is paused (domid "))
            #expect(try await cli.run("vm", "unpause", id).stdout.hasPrefix("VM \(id) is running (domid "))
            let clean = try await cli.run("vm", "shutdown", id, "--timeout", "30")
            #expect(clean.status == 0, "\(clean)")
            #expect(clean.lines == ["VM \(id) is halted"])

            let paused = try await cli.run("vm", "start", id, "--paused")
            #expect(paused.stdout.hasPrefix("VM \(id) is paused (domid "), "\(paused)")
            #expect(try await cli.run("vm", "unpause", id).status == 0)
            let reboot = try await cli.run("vm", "reboot", id)
            #expect(reboot.status == 0, "\(reboot)")
            #expect(reboot.stdout.hasPrefix("VM \(id) is running (domid "))
            let hardReboot = try await cli.run("vm", "reboot", id, "--force")
            #expect(hardReboot.stdout.hasPrefix("VM \(id) is running"), "\(hardReboot)")

            let forced = try await cli.run("vm", "shutdown", id, "--force")
            #expect(forced.lines == ["VM \(id) is halted"], "\(forced)")

            _ = try await cli.run("vm", "start", id)
            let destroyed = try await cli.run("vm", "destroy", id)
            #expect(destroyed.lines == ["VM \(id) is halted"], "\(destroyed)")

            let removed = try await cli.run("vm", "remove", id)
            #expect(removed.status == 0 && removed.lines == ["VM \(id) removed"], "\(removed)")
            #expect(try await cli.run("vm", "list").lines.count == 1)  // the header only
            // Waited-for tasks are destroyed, as XAPI does.
            #expect(try await cli.run("task", "list").lines.count == 1)
        }
    }

    @Test("--no-wait prints the task ids and leaves them for task list and task show")
    func noWait() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "nw"))
            let start = try await cli.run("vm", "start", id, "--no-wait")
            #expect(start.status == 0, "\(start)")
            #expect(start.lines.count == 2 && start.lines.allSatisfy { Int($0) != nil }, "\(start)")

            // Both tasks finish in queue order; then the VM runs.
            var running = false
            for _ in 0..<200 where !running {
                running = try await cli.run("vm", "list").stdout.contains("running")
                if !running { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(running)
            let tasks = try await cli.run("task", "list")
            for task in start.lines { #expect(tasks.lines.contains { $0.hasPrefix(task + " ") }, "\(tasks)") }
            let show = try await cli.run("task", "show", start.lines[0])
            #expect(show.status == 0, "\(show)")
            #expect(show.stdout.contains("xenopsctl vm start"))
            #expect(show.stdout.contains("completed in"))
        }
    }

    @Test("vm export prints metadata that vm create takes back")
    func exportImport() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "exp"))
            let export = try await cli.run("vm", "export", id)
            #expect(export.status == 0, "\(export)")
            let metadata = try Metadata(xenops: try JSONValue.parse(export.stdout))
            #expect(metadata.vm.id == id && metadata.vbds.count == 2 && metadata.vifs.count == 1)
            let again = try await cli.run("vm", "create", "-", stdin: export.stdout)
            #expect(again.status == 0 && again.lines == [id], "\(again)")
        }
    }
}

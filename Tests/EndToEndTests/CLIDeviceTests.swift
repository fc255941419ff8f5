import Foundation
import Testing
import XenopsCore

/// `xenopsctl vbd …` and `vif …` against the real daemon.
@Suite("CLI: devices", .timeLimit(.minutes(5)))
struct CLIDeviceTests {
    @Test("vbd list/show/plug/unplug/insert/eject and vif list/show/plug/unplug on a running VM")
    func devices() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "dev"))
            let start = try await cli.run("vm", "start", id)
            #expect(start.status == 0, "\(start)")

            let vbds = try await cli.run("vbd", "list", "dev")
            #expect(vbds.status == 0, "\(vbds)")
            #expect(vbds.lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "POSITION", "TYPE", "MODE", "BACKEND", "ACTIVE", "PLUGGED"])
            let xvda = try #require(vbds.lines.first { $0.hasPrefix("xvda") }).split(separator: " ", omittingEmptySubsequences: true)
            #expect(xvda == ["xvda", "xen:0", "Disk", "ReadWrite", "local:/dev/null", "yes", "yes"])

            let unplug = try await cli.run("vbd", "unplug", "dev", "xvda")
            #expect(unplug.status == 0, "\(unplug)")
            #expect(unplug.lines == ["VBD xvda of VM dev is unplugged"])
            #expect(try await cli.run("vbd", "show", "dev", "xvda").field("Plugged") == "no")
            let plug = try await cli.run("vbd", "plug", "dev", "xvda")
            #expect(plug.lines == ["VBD xvda of VM dev is plugged"], "\(plug)")

            let insert = try await cli.run("vbd", "insert", "dev", "xvdd", "/srv/iso/debian.iso")
            #expect(insert.status == 0, "\(insert)")
            #expect(insert.stdout.contains("holding local:/srv/iso/debian.iso"), "\(insert)")
            let eject = try await cli.run("vbd", "eject", "dev", "xvdd")
            #expect(eject.status == 0, "\(eject)")
            #expect(eject.stdout.contains("empty"), "\(eject)")

            let vifs = try await cli.run("vif", "list", id)
            #expect(vifs.status == 0, "\(vifs)")
            let nic = try #require(vifs.lines.first { $0.hasPrefix("0 ") }).split(separator: " ", omittingEmptySubsequences: true)
            #expect(nic == ["0", "0", "aa:bb:cc:00:11:22", "xenbr0", "1500", "yes", "yes", "yes"])
            let vifUnplug = try await cli.run("vif", "unplug", id, "0")
            #expect(vifUnplug.lines == ["VIF 0 of VM \(id) is unplugged"], "\(vifUnplug)")
            #expect(try await cli.run("vif", "show", id, "0").field("Plugged") == "no")
            let vifPlug = try await cli.run("vif", "plug", id, "0")
            #expect(vifPlug.lines == ["VIF 0 of VM \(id) is plugged"], "\(vifPlug)")
        }
    }

    @Test("an unknown device is a xenops error, exit 1")
    func unknownDevice() async throws {
        try await withDaemon { daemon in
            let cli = CLIRunner(socket: daemon.socketPath)
            let id = CLIFixtures.newID()
            _ = try await cli.run("vm", "create", "-", stdin: CLIFixtures.metadata(id: id, name: "dev"))
            let show = try await cli.run("vbd", "show", id, "xvdz")
            #expect(show.status == 1, "\(show)")
            #expect(show.stderr.hasPrefix("error: ") && show.stderr.contains("does not exist"), "\(show)")
            #expect(show.stderr.contains("\nhint: "))
        }
    }
}

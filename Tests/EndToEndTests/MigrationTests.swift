import Foundation
import Glibc
import Synchronization
import Testing
import XenopsCore
import XenopsTestSupport

/// `VM.migrate` between two real daemons (simulator backend, each with its own state
/// directory), with `LoopbackXAPI` playing the destination host's XAPI on loopback: the
/// source posts XML-RPC and opens its migration connections to it, it hands them to the
/// destination's `xenopsd.forwarded`.
@Suite struct MigrationTests {
    typealias Doc = RawRPCDocuments
    static let vmID = InterfaceExamples.vmID
    static let tmpDestination = "7b719ce6-0b17-9733-e8ee-000000000001"

    @Test func aRunningVMMovesWithItsDevicesAndTheSourceForgetsIt() async throws {
        try await withMigrationPair { source, destination, xapi in
            let domidBefore = try await runVM(on: source)
            let sourceNext = try await updatesNext(source)
            let destinationNext = try await updatesNext(destination)

            let task = try await source.result(Self.migrate(url: xapi.xenopsURL, vifMap: #"{"0":["Local","xenbr1"]}"#)).stringValue ?? ""
            let finished = try await source.waitForTasks([task])
            #expect(finished[task]?["state"]?.arrayElements?.first == .string("Completed"), "\(finished[task]?.jsonString ?? "") \(source.log.suffix(3000))")

            // The destination runs the VM under its own uuid, with its disk and (remapped) NIC.
            let states = try await destination.powerStates()
            #expect(states.keys.sorted() == [Self.vmID])
            #expect(states[Self.vmID]?.0 == "Running")
            let vifs = try await destination.result(#"{"method":"VIF.list","params":[{"debug_info":"t","id":"\#(Self.vmID)"}],"id":1}"#)
            #expect(vifs.arrayElements?.first?.arrayElements?[0]["backend"] == .array([.string("Local"), .string("xenbr1")]))
            #expect(vifs.arrayElements?.first?.arrayElements?[1]["plugged"] == .bool(true))
            let vbds = try await destination.result(#"{"method":"VBD.list","params":[{"debug_info":"t","id":"\#(Self.vmID)"}],"id":1}"#)
            #expect(vbds.arrayElements?.first?.arrayElements?[1]["plugged"] == .bool(true))

            let sourceChanges = try await source.result(Doc.updatesGet(lastID: sourceNext, timeout: 5)).arrayElements?[1].arrayElements ?? []
            #expect(sourceChanges.contains(.array([.string("Task"), .string(task)])))
            #expect(!sourceChanges.contains(.array([.string("Vm"), .string(Self.vmID)])))

            // The source has neither the VM nor a domain for it (a fresh import finds none).
            #expect(try await source.powerStates().isEmpty)
            _ = try await source.result(Doc.importMetadata())
            let stat = try await source.result(Doc.vmStat(Self.vmID))
            #expect(stat.arrayElements?[1]["power_state"] == .string("Halted"))
            #expect(stat.arrayElements?[1]["domids"] == .array([]))
            _ = try await source.result(#"{"method":"VM.remove","params":[{"debug_info":"t","id":"\#(Self.vmID)"}],"id":2}"#)

            // UPDATES told both sides: the source reports the task (the VM's entry is gone, as a
            // removed VM's is), the destination the VM.
            let destinationChanges = try await destination.result(Doc.updatesGet(lastID: destinationNext, timeout: 5))
            #expect(destinationChanges.arrayElements?[1].arrayElements?.contains(.array([.string("Vm"), .string(Self.vmID)])) == true)

            // What went over the wire: XML-RPC import of the temporary VM, then the two PUTs with
            // xenopsd's cookies and XAPI's session id.
            let requests = xapi.requests
            #expect(requests.map { "\($0.method) \($0.path)" } == [
                "POST /services/xenops", "PUT /services/xenops/migrate/vm/\(Self.tmpDestination)",
                "PUT /services/xenops/migrate/mem/\(Self.tmpDestination)",
            ])
            let control = requests.count > 1 ? requests[1].cookies : [:]
            #expect(control["final_id"] == Self.vmID && control["dbg"] == "mig" && control["mem_migration"] != nil)
            #expect(control["instance_id"] != nil && control["memory_limit"] != nil && control["memory_total_source"] != nil)
            #expect(control["compress"] == nil)
            #expect(requests.allSatisfy { $0.query["session_id"] == "OpaqueRef:loopback-test" })

            // Both stores agree with what runs: after a restart of each daemon, the same.
            try await destination.restart()
            let after = try await destination.powerStates()
            #expect(after[Self.vmID]?.0 == "Running" && after.count == 1)
            #expect(after[Self.vmID]?.1 != [] && domidBefore >= 0)
            try await source.restart()
            #expect(try await source.powerStates().isEmpty)
        }
    }

    @Test func theSourceRunsXenopsdsMigrationHooksAndAFailingPreMigrateHookKeepsTheVM() async throws {
        let hooks = try TemporaryDirectory(prefix: "xenopsd-e2e-mhooks")
        defer { hooks.remove() }
        func install(_ hook: String, _ body: String) throws {
            let folder = hooks.file(hook)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let script = folder + "/10-record"
            try Data("#!/bin/sh\n\(body)\n".utf8).write(to: URL(fileURLWithPath: script))
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        }
        let log = hooks.file("calls")
        for hook in ["vm-pre-migrate", "vm-pre-shutdown", "vm-post-destroy"] {
            try install(hook, #"echo "\#(hook) $*" >> \#(log)"#)
        }
        try await withMigrationPair(sourceArguments: ["--hooks-dir", hooks.path, "--hook-timeout", "30"]) { source, destination, xapi in
            // A failing vm-pre-migrate stops the migration before anything is sent.
            try install("vm-pre-migrate", "echo 'not today'; exit 4")
            let domid = try await runVM(on: source)
            let refused = try await source.result(Self.migrate(url: xapi.xenopsURL)).stringValue ?? ""
            let state = try await source.waitForTasks([refused])[refused]?["state"]
            #expect(state?.arrayElements?.first == .string("Failed"))
            #expect(state?.arrayElements?.last == .array([.string("Hook_failed"), .array([
                .string("vm-pre-migrate/10-record"), .string("source"), .string("not today\n"), .string("4"),
            ])]), "\(state?.jsonString ?? "")")
            #expect(xapi.requests.isEmpty)
            try await expectRunsOnlyOnSource(source, destination, domid: domid)

            // With the scripts succeeding: pre-migrate, then the shutdown hooks of the source's
            // domain once the destination has the VM, all with the VM's own uuid.
            try install("vm-pre-migrate", #"echo "vm-pre-migrate $*" >> \#(log)"#)
            let task = try await source.result(Self.migrate(url: xapi.xenopsURL)).stringValue ?? ""
            let finished = try await source.waitForTasks([task])
            #expect(finished[task]?["state"]?.arrayElements?.first == .string("Completed"), "\(finished[task]?.jsonString ?? "")")
            let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map { $0.split(separator: " ").prefix(5).joined(separator: " ") }
            #expect(calls == [
                "vm-pre-migrate -vmuuid \(Self.vmID) -reason source",
                "vm-pre-shutdown -vmuuid \(Self.vmID) -reason suspend",
                "vm-post-destroy -vmuuid \(Self.vmID) -reason suspend",
            ])
        }
    }

    @Test func aDestinationThatRefusesAtSyncPointOneLeavesTheVMRunningOnTheSource() async throws {
        // The destination host is too small for the VM's 4 GiB: it refuses at sync point 1.
        try await withMigrationPair(destinationArguments: ["--sim-host-memory-mib", "2048"]) { source, destination, xapi in
            let domid = try await runVM(on: source)
            let task = try await source.result(Self.migrate(url: xapi.xenopsURL)).stringValue ?? ""
            let finished = try await source.waitForTasks([task])
            let state = finished[task]?["state"]
            #expect(state?.arrayElements?.first == .string("Failed"))
            #expect(state?.arrayElements?.last?.arrayElements?.first == .string("Not_enough_memory"), "\(state?.jsonString ?? "")")
            try await expectRunsOnlyOnSource(source, destination, domid: domid)
        }
    }

    @Test func aDestinationKilledMidMigrationLeavesTheVMRunningOnTheSource() async throws {
        let victim = Mutex<DaemonProcess?>(nil)
        try await withMigrationPair(decide: { request in
            // The destination host dies when the memory connection arrives.
            guard request.path.contains("/migrate/mem/") else { return .forward }
            victim.withLock { $0 }?.kill(SIGKILL)
            return .drop
        }) { source, destination, xapi in
            victim.withLock { $0 = destination }
            let domid = try await runVM(on: source)
            let task = try await source.result(Self.migrate(url: xapi.xenopsURL)).stringValue ?? ""
            let finished = try await source.waitForTasks([task])
            #expect(finished[task]?["state"]?.arrayElements?.first == .string("Failed"))
            let states = try await source.powerStates()
            #expect(states[Self.vmID]?.0 == "Running" && states[Self.vmID]?.1 == [.int(Int64(domid))])
            // Restarted, the destination runs nothing (the temporary VM it had imported, if
            // kept, has no domain).
            _ = await destination.waitForExit(timeout: .seconds(30))
            try await destination.launch()
            let left = try await destination.powerStates()
            #expect(left[Self.vmID] == nil)
            #expect(left.values.allSatisfy { $0.0 == "Halted" && $0.1.isEmpty })
        }
    }

    @Test func taskCancelBeforeSyncPointThreeKeepsTheVMOnTheSource() async throws {
        let gate = Gate()
        try await withMigrationPair(decide: { request in
            // Hold the memory connection until the test has cancelled the migration.
            guard request.path.contains("/migrate/mem/") else { return .forward }
            await gate.arrive()
            return .drop
        }) { source, destination, xapi in
            let domid = try await runVM(on: source)
            let task = try await source.result(Self.migrate(url: xapi.xenopsURL)).stringValue ?? ""
            try await gate.waitForArrival(timeout: .seconds(60))
            _ = try await source.result(#"{"method":"Task.cancel","params":[{"debug_info":"t","id":"\#(task)"}],"id":3}"#)
            await gate.release()
            let finished = try await source.waitForTasks([task])
            let state = finished[task]?["state"]
            #expect(state?.arrayElements?.last?.arrayElements?.first == .string("Cancelled"), "\(state?.jsonString ?? "")")
            try await expectRunsOnlyOnSource(source, destination, domid: domid)
        }
    }

    /// Cancellation point 5 comes right after the live save (the domain is suspended, the
    /// destination has the memory), point 6 after the rename to the source's temporary id: the
    /// undo renames back and resumes the saved domain; the destination throws its copy away.
    @Test(arguments: [5, 6]) func aCancelAfterTheSaveResumesTheVMOnTheSource(point: Int) async throws {
        try await withMigrationPair { source, destination, xapi in
            let domid = try await runVM(on: source)
            _ = try await source.result(#"{"method":"DEBUG.trigger","params":[{"debug_info":"t","cmd":"set-cancel-trigger","args":["mig","\#(point)"]}],"id":4}"#)
            let task = try await source.result(Self.migrate(url: xapi.xenopsURL)).stringValue ?? ""
            let state = try await source.waitForTasks([task])[task]?["state"]
            #expect(state?.arrayElements?.last?.arrayElements?.first == .string("Cancelled"), "\(state?.jsonString ?? "")")
            #expect(source.log.contains("resumed the domain on this host"), "\(source.log.suffix(3000))")
            try await expectRunsOnlyOnSource(source, destination, domid: domid)
        }
    }

    @Test func aHaltedVMIsRefusedWithBadPowerState() async throws {
        try await withDaemon { source in
            _ = try await source.result(Doc.importMetadata())
            let task = try await source.result(Self.migrate(url: "http://127.0.0.1:9/services/xenops")).stringValue ?? ""
            let state = try await source.waitForTasks([task])[task]?["state"]
            #expect(state?.arrayElements?.last == .array([.string("Bad_power_state"), .array([.string("Halted"), .string("Running")])]), "\(state?.jsonString ?? "")")
        }
    }

    @Test func anUnreachableXenopsURLFailsNamingItAndTheVMKeepsRunning() async throws {
        try await withDaemon { source in
            let domid = try await runVM(on: source)
            // Port 9 (discard) on loopback: nothing listens there in a test environment.
            let url = "http://127.0.0.1:9/services/xenops?session_id=OpaqueRef:secret"
            let task = try await source.result(Self.migrate(url: url)).stringValue ?? ""
            let state = try await source.waitForTasks([task])[task]?["state"]
            let error = state?.arrayElements?.last?.arrayElements
            #expect(error?.first == .string("Failed_to_contact_remote_service"), "\(state?.jsonString ?? "")")
            let text = error?.last?.stringValue ?? ""
            #expect(text == url, "\(text)")  // as xenopsd names it
            let states = try await source.powerStates()
            #expect(states[Self.vmID]?.0 == "Running" && states[Self.vmID]?.1 == [.int(Int64(domid))])
            // An https URL is refused at once: no TLS yet.
            let tls = try await source.result(Self.migrate(url: "https://127.0.0.1:9/services/xenops")).stringValue ?? ""
            let tlsState = try await source.waitForTasks([tls])[tls]?["state"]
            #expect(tlsState?.arrayElements?.last?.arrayElements?.first == .string("Unimplemented"), "\(tlsState?.jsonString ?? "")")
        }
    }

    // MARK: Helpers

    static func migrate(url: String, vifMap: String = "{}") -> String {
        #"{"method":"VM.migrate","params":[{"debug_info":"mig","id":"\#(vmID)","vdi_map":{},"vif_map":\#(vifMap),"pci_map":{},"xenops_url":"\#(url)","compress":false,"verify_dest":false,"localhost_migration":false}],"id":40}"#
    }

    /// Imports, starts and unpauses the example VM (one VBD, one VIF); returns its domid.
    private func runVM(on daemon: DaemonProcess) async throws -> Int {
        _ = try await daemon.result(Doc.importMetadata())
        let start = try await daemon.result(Doc.start()).stringValue ?? ""
        let unpause = try await daemon.result(Doc.unpause()).stringValue ?? ""
        _ = try await daemon.waitForTasks([start, unpause])
        let states = try await daemon.powerStates()
        guard states[Self.vmID]?.0 == "Running", case .int(let domid)? = states[Self.vmID]?.1.first else {
            throw DaemonError("the VM did not start: \(states)")
        }
        return Int(domid)
    }

    /// The VM still runs on the source with the same domain, and the destination has no VM
    /// (waiting, bounded, for its receive to finish cleaning up).
    private func expectRunsOnlyOnSource(_ source: DaemonProcess, _ destination: DaemonProcess, domid: Int) async throws {
        let states = try await source.powerStates()
        #expect(states.keys.sorted() == [Self.vmID], "\(source.log.suffix(3000))")
        #expect(states[Self.vmID]?.0 == "Running" && states[Self.vmID]?.1 == [.int(Int64(domid))])
        let deadline = ContinuousClock.now + .seconds(30)
        var left = try await destination.powerStates()
        while !left.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            left = try await destination.powerStates()
        }
        #expect(left.isEmpty, "destination still has \(left); its log: \(destination.log.suffix(3000))")
    }

    private func updatesNext(_ daemon: DaemonProcess) async throws -> Int {
        let updates = try await daemon.result(Doc.updatesGet(lastID: nil, timeout: 0))
        guard case .int(let next)? = updates.arrayElements?.last else { throw DaemonError("bad UPDATES.get result \(updates.jsonString)") }
        return Int(next)
    }
}

/// A source daemon, a destination daemon serving `xenopsd.forwarded`, and the loopback XAPI
/// in front of the destination; all stopped and removed afterwards.
func withMigrationPair(
    sourceArguments: [String] = [], destinationArguments: [String] = [], decide: @escaping @Sendable (LoopbackXAPI.Request) async -> LoopbackXAPI.Decision = { _ in .forward },
    _ body: (DaemonProcess, DaemonProcess, LoopbackXAPI) async throws -> Void
) async throws {
    let sockets = "/tmp/xm-\(UUID().uuidString.prefix(8).lowercased())"
    defer { try? FileManager.default.removeItem(atPath: sockets) }
    try await withDaemon(sourceArguments) { source in
        try await withDaemon(["--sockets-path", sockets] + destinationArguments) { destination in
            let forwarded = sockets + "/xenopsd.forwarded"
            let deadline = ContinuousClock.now + .seconds(30)
            while !FileManager.default.fileExists(atPath: forwarded) {
                guard ContinuousClock.now < deadline else { throw DaemonError("\(forwarded) did not appear; the daemon's log:\n\(destination.log)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            let xapi = try LoopbackXAPI(rpcSocket: destination.socketPath, forwardedSocket: forwarded, decide: decide)
            defer { xapi.stop() }
            try await body(source, destination, xapi)
        }
    }
}

/// Lets a test hold the loopback XAPI at a request until it has acted.
actor Gate {
    private var arrived = false
    private var released = false
    private var releaseWaiters: [CheckedContinuation<Void, Never>] = []

    /// Called by the XAPI stand-in: records the arrival and waits for ``release()``.
    func arrive() async {
        arrived = true
        if released { return }
        await withCheckedContinuation { releaseWaiters.append($0) }
    }

    func release() {
        released = true
        for w in releaseWaiters { w.resume() }
        releaseWaiters = []
    }

    /// Waits for the arrival, at most `timeout`.
    func waitForArrival(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while !arrived {
            guard ContinuousClock.now < deadline else { throw DaemonError("the request never reached the XAPI stand-in") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

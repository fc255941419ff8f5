import Foundation
import Glibc
import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator
import XenopsTestSupport

/// XAPI hands migration connections to `xenopsd.forwarded` (SCM_RIGHTS + the JSON of its
/// `Http.Request.t`); the test plays XAPI and the source xenopsd against the real daemon.
@Suite struct ForwardedMigrationTests {
    typealias Doc = RawRPCDocuments
    static let finalID = InterfaceExamples.vmID
    /// The destination's temporary uuid for `finalID` (§4.6: `uuid[0:24] ^ "00000000000" ^ "1"`).
    static let tmpID = "7b719ce6-0b17-9733-e8ee-000000000001"

    @Test func aMigrationReceivedOverForwardedConnectionsRunsUnderTheFinalUUID() async throws {
        try await withForwardingDaemon { daemon, forwarded in
            _ = try await daemon.result(Doc.importMetadata(id: Self.tmpID))
            let before = try await updatesNext(daemon)
            let source = try await SourceHost.running(Self.finalID)

            let control = try XAPIHandOver.socketPair()
            defer { close(control.kept) }
            let xapi = try hand(control.handed, forwarded, path: "/services/xenops/migrate/vm/\(Self.tmpID)", cookies: XAPIHandOver.cookies(finalID: Self.finalID))
            defer { close(xapi) }
            #expect(try await blocking { try SourceEnd.frame(control.kept) } == .success)  // sync point 1

            let memory = try XAPIHandOver.socketPair()
            defer { close(memory.kept) }
            let xapiMem = try hand(memory.handed, forwarded, path: "/services/xenops/migrate/mem/\(Self.tmpID)", cookies: XAPIHandOver.cookies(finalID: Self.finalID, memoryLimit: nil))
            defer { close(xapiMem) }
            #expect(try await blocking { try SourceEnd.frame(memory.kept) } == .success)  // 1-mem
            try await blocking { try SourceEnd.write(control.kept, MigrationHandshake.success.encoded) }  // 1-mem ACK
            try await source.hypervisor.save(vm: Self.finalID, to: memory.kept, live: true)
            try await blocking { try SourceEnd.write(control.kept, MigrationHandshake.success.encoded) }  // sync point 3
            #expect(try await blocking { try SourceEnd.frame(control.kept) } == .success)  // sync point 4
            // Both of XAPI's connections are closed once the receive is over, as xenopsd does.
            #expect(try await blocking { try SourceEnd.readToEnd(xapi) }.isEmpty)
            #expect(try await blocking { try SourceEnd.readToEnd(xapiMem) }.isEmpty)

            let stat = try await daemon.result(Doc.vmStat(Self.finalID))
            #expect(stat.arrayElements?[1]["power_state"] == .string("Running"))
            let list = try await daemon.result(Doc.vmList())
            #expect(list.arrayElements?.count == 1)
            let gone = try json(try await daemon.call(Doc.vmStat(Self.tmpID)))
            #expect(gone["error"] == .array([.string("Does_not_exist"), .array([.string("VM"), .string("\(Self.tmpID)/config")])]))
            let changed = try await daemon.result(Doc.updatesGet(lastID: before, timeout: 5))
            #expect(changed.arrayElements?[1].arrayElements?.contains(.array([.string("Vm"), .string(Self.finalID)])) == true)
            #expect(changed.arrayElements?[1].arrayElements?.contains(.array([.string("Vbd"), .array([.string(Self.finalID), .string("xvda")])])) == true)
        }
    }

    @Test func theLegacyProtocolSendsMemoryOnTheControlConnection() async throws {
        try await withForwardingDaemon { daemon, forwarded in
            _ = try await daemon.result(Doc.importMetadata(id: Self.tmpID))
            let source = try await SourceHost.running(Self.finalID)
            let control = try XAPIHandOver.socketPair()
            defer { close(control.kept) }
            let xapi = try hand(control.handed, forwarded, path: "/services/xenops/memory/\(Self.tmpID)", cookies: XAPIHandOver.cookies(finalID: Self.finalID, memMigration: false))
            defer { close(xapi) }
            #expect(try await blocking { try SourceEnd.frame(control.kept) } == .success)
            try await source.hypervisor.save(vm: Self.finalID, to: control.kept, live: true)
            try await blocking { try SourceEnd.write(control.kept, MigrationHandshake.success.encoded) }
            #expect(try await blocking { try SourceEnd.frame(control.kept) } == .success)
            let stat = try await daemon.result(Doc.vmStat(Self.finalID))
            #expect(stat.arrayElements?[1]["power_state"] == .string("Running"))
        }
    }

    @Test func aTemporaryVMThatWasNeverImportedGetsADoesNotExistErrorFrame() async throws {
        try await withForwardingDaemon { daemon, forwarded in
            let control = try XAPIHandOver.socketPair()
            defer { close(control.kept) }
            let xapi = try hand(control.handed, forwarded, path: "/services/xenops/migrate/vm/\(Self.tmpID)", cookies: XAPIHandOver.cookies(finalID: Self.finalID))
            defer { close(xapi) }
            let frame = try await blocking { try SourceEnd.frame(control.kept) }
            guard case .error(let message) = frame else {
                Issue.record("expected an error frame, got \(frame)")
                return
            }
            #expect(message == #"["Does_not_exist",["VM","\#(Self.tmpID)/config"]]"#)
            #expect(try await blocking { try SourceEnd.readToEnd(control.kept) }.isEmpty)
            #expect(try await daemon.result(Doc.vmList()).arrayElements?.isEmpty == true)
        }
    }

    @Test func aSourceThatDisconnectsBeforeSyncPoint3LeavesNothingOnTheDestination() async throws {
        try await withForwardingDaemon { daemon, forwarded in
            _ = try await daemon.result(Doc.importMetadata(id: Self.tmpID))
            let source = try await SourceHost.running(Self.finalID)
            let control = try XAPIHandOver.socketPair()
            let xapi = try hand(control.handed, forwarded, path: "/services/xenops/migrate/vm/\(Self.tmpID)", cookies: XAPIHandOver.cookies(finalID: Self.finalID))
            defer { close(xapi) }
            #expect(try await blocking { try SourceEnd.frame(control.kept) } == .success)
            let memory = try XAPIHandOver.socketPair()
            defer { close(memory.kept) }
            let xapiMem = try hand(memory.handed, forwarded, path: "/services/xenops/migrate/mem/\(Self.tmpID)", cookies: XAPIHandOver.cookies(finalID: Self.finalID, memoryLimit: nil))
            defer { close(xapiMem) }
            #expect(try await blocking { try SourceEnd.frame(memory.kept) } == .success)
            try await blocking { try SourceEnd.write(control.kept, MigrationHandshake.success.encoded) }
            try await source.hypervisor.save(vm: Self.finalID, to: memory.kept, live: true)
            close(control.kept)  // the source host dies before sync point 3

            // The receive fails, destroys the restored domain and forgets the temporary VM.
            #expect(try await blocking { try SourceEnd.readToEnd(xapi) }.isEmpty)
            #expect(try await daemon.result(Doc.vmList()).arrayElements?.isEmpty == true)
            let tasks = try await daemon.result(#"{"method":"Task.list","params":[{"debug_info":"t"}],"id":5}"#)
            let failed = tasks.arrayElements?.first { $0["dbg"] == .string("Async.VM.pool_migrate R:5e0c1ad9a1b2") }
            #expect(failed?["state"]?.arrayElements?.first == .string("Failed"))
            // No domain is left behind: the same migration can be received again from scratch.
            let simulatorState = try String(contentsOfFile: daemon.stateDir + "/simulator.json", encoding: .utf8)
            #expect(!simulatorState.contains(Self.tmpID))
            #expect(!simulatorState.contains(Self.finalID))
        }
    }

    @Test func taskCancelBeforeSyncPoint3StopsTheReceiveAndCleansUp() async throws {
        try await withForwardingDaemon { daemon, forwarded in
            _ = try await daemon.result(Doc.importMetadata(id: Self.tmpID))
            let control = try XAPIHandOver.socketPair()
            defer { close(control.kept) }
            let xapi = try hand(control.handed, forwarded, path: "/services/xenops/migrate/vm/\(Self.tmpID)", cookies: XAPIHandOver.cookies(finalID: Self.finalID))
            defer { close(xapi) }
            #expect(try await blocking { try SourceEnd.frame(control.kept) } == .success)
            // The receive now waits for the memory connection; XAPI cancels the task.
            let tasks = try await daemon.result(#"{"method":"Task.list","params":[{"debug_info":"t"}],"id":5}"#)
            let task = try #require(tasks.arrayElements?.first { $0["dbg"] == .string("Async.VM.pool_migrate R:5e0c1ad9a1b2") }?["id"]?.stringValue)
            _ = try await daemon.result(#"{"method":"Task.cancel","params":[{"debug_info":"t","id":"\#(task)"}],"id":6}"#)
            #expect(try await blocking { try SourceEnd.frame(control.kept) } == .error(#"["Cancelled","\#(task)"]"#))
            #expect(try await blocking { try SourceEnd.readToEnd(xapi) }.isEmpty)
            #expect(try await daemon.result(Doc.vmList()).arrayElements?.isEmpty == true)
            let stat = try await daemon.result(Doc.taskStat(task))
            #expect(stat["state"] == .array([.string("Failed"), .array([.string("Cancelled"), .string(task)])]))
        }
    }

    @Test func anUnknownPathIsAnswered404() async throws {
        try await withForwardingDaemon { daemon, forwarded in
            let client = try XAPIHandOver.socketPair()
            defer { close(client.kept) }
            let xapi = try hand(client.handed, forwarded, path: "/services/xenops/no-such-thing/\(Self.tmpID)", cookies: [("dbg", "t")])
            defer { close(xapi) }
            let toClient = String(decoding: try await blocking { try SourceEnd.readToEnd(client.kept) }, as: UTF8.self)
            #expect(toClient.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            let toXAPI = String(decoding: try await blocking { try SourceEnd.readToEnd(xapi) }, as: UTF8.self)
            #expect(toXAPI.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            _ = try await daemon.result(Doc.query)
        }
    }

    @Test func garbageIsDroppedAndTheDaemonCarriesOn() async throws {
        try await withForwardingDaemon { daemon, forwarded in
            for junk in ["not json {", #"{"m":"Put"}"#, #"["path"]"#, #"{"path":42}"#, #"{"path":"/services/xenops/migrate/vm/x","cookie":{"dbg":7}}"#] {
                let client = try XAPIHandOver.socketPair()
                defer { close(client.kept) }
                let xapi = try XAPIHandOver.send(socketPath: forwarded, json: junk, fd: client.handed)
                close(client.handed)
                defer { close(xapi) }
                #expect(try await blocking { try SourceEnd.readToEnd(xapi) }.isEmpty, "\(junk)")
                #expect(try await blocking { try SourceEnd.readToEnd(client.kept) }.isEmpty, "\(junk)")
            }
            // A connection that sends bytes without a descriptor is closed too.
            let plain = try await blocking { try RawHTTPConnection(path: forwarded) }
            try plain.send(XAPIHandOver.requestJSON(path: "/services/xenops/migrate/vm/x", cookies: []))
            #expect(plain.closedByPeer(within: 30))
            plain.close()
            _ = try await daemon.result(Doc.query)
            #expect(daemon.process?.isRunning == true)
        }
    }

    // MARK: Helpers

    /// Hands `fd` over as XAPI does and closes the test's copy (the daemon has its own).
    private func hand(_ fd: Int32, _ forwarded: String, path: String, cookies: [(String, String)]) throws -> Int32 {
        defer { close(fd) }
        return try XAPIHandOver.send(socketPath: forwarded, json: XAPIHandOver.requestJSON(path: path, cookies: cookies), fd: fd)
    }

    /// UPDATES' `next` now.
    private func updatesNext(_ daemon: DaemonProcess) async throws -> Int {
        let updates = try await daemon.result(Doc.updatesGet(lastID: nil, timeout: 0))
        guard case .int(let next)? = updates.arrayElements?.last else { throw DaemonError("bad UPDATES.get result \(updates.jsonString)") }
        return Int(next)
    }
}

/// A daemon serving `xenopsd.forwarded` in a sockets directory of its own; `body` gets the
/// socket's path once it accepts connections.
func withForwardingDaemon(_ body: (DaemonProcess, String) async throws -> Void) async throws {
    let sockets = "/tmp/xf-\(UUID().uuidString.prefix(8).lowercased())"
    defer { try? FileManager.default.removeItem(atPath: sockets) }
    try await withDaemon(["--sockets-path", sockets]) { daemon in
        let forwarded = sockets + "/xenopsd.forwarded"
        let deadline = ContinuousClock.now + .seconds(30)
        while !FileManager.default.fileExists(atPath: forwarded) {
            guard ContinuousClock.now < deadline else { throw DaemonError("\(forwarded) did not appear; the daemon's log:\n\(daemon.log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await body(daemon, forwarded)
    }
}

/// The source host's hypervisor, with the VM running (an in-process simulator).
struct SourceHost {
    let hypervisor: SimulatedHypervisor

    static func running(_ id: String) async throws -> SourceHost {
        let hypervisor = try SimulatedHypervisor()
        let metadata = try Metadata(xenops: try JSONValue.parse(InterfaceExamples.metadata(id: id)))
        _ = try await hypervisor.createDomain(DomainSpec(vm: metadata.vm, vbds: metadata.vbds, vifs: metadata.vifs))
        try await hypervisor.unpause(vm: id)
        return SourceHost(hypervisor: hypervisor)
    }
}

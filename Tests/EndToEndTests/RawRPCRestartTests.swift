import Foundation
import Testing
import XenopsCore
import XenopsTestSupport

/// The daemon as a process: restart after SIGKILL, SIGTERM, and start-up failures.
@Suite(.serialized) struct RawRPCRestartTests {
    typealias Doc = RawRPCDocuments

    @Test func vmsSurviveASIGKILLWithTheirPowerStateAndDomain() async throws {
        try await withDaemon { daemon in
            let ids = (1...3).map { "7b719ce6-0b17-9733-e8ee-00000000000\($0)" }
            for (i, id) in ids.enumerated() {
                #expect(try await daemon.result(Doc.importMetadata(id: id, name: "vm\(i)")) == .string(id))
            }
            // ids[0] paused (started, not unpaused), ids[1] running, ids[2] halted.
            let t0 = try #require(try await daemon.result(Doc.start(id: ids[0])).stringValue)
            let t1 = try #require(try await daemon.result(Doc.start(id: ids[1])).stringValue)
            let t2 = try #require(try await daemon.result(Doc.unpause(id: ids[1])).stringValue)
            let done = try await daemon.waitForTasks([t0, t1, t2])
            #expect(done.values.allSatisfy { $0["state"]?.arrayElements?.first == .string("Completed") })
            let before = try await daemon.powerStates()
            #expect(before[ids[0]]?.0 == "Paused")
            #expect(before[ids[1]]?.0 == "Running")
            #expect(before[ids[2]]?.0 == "Halted")

            try await daemon.restart()  // SIGKILL, then start again on the same state dir

            let after = try await daemon.powerStates()
            for id in ids {
                #expect(after[id]?.0 == before[id]?.0, "power state of \(id)")
                #expect(after[id]?.1 == before[id]?.1, "domids of \(id)")
            }
            #expect(after[ids[1]]?.1.isEmpty == false)
            #expect(daemon.log.contains("adopted domain"))
            // The adopted domain can be operated on.
            let shutdown = try #require(try await daemon.result(Doc.vmShutdown(ids[1])).stringValue)
            let result = try #require(try await daemon.waitForTasks([shutdown])[shutdown])
            #expect(result["state"]?.arrayElements?.first == .string("Completed"), "\(result.jsonString)")
            #expect(try await daemon.powerStates()[ids[1]]?.0 == "Halted")
        }
    }

    @Test func sigtermExitsZeroPromptlyAndRemovesTheSocket() async throws {
        try await withDaemon { daemon in
            #expect(daemon.output.contains("backend simulator, socket \(daemon.socketPath), state dir \(daemon.stateDir)"))
            // A client waiting on UPDATES.get must not hold up the shutdown.
            let path = daemon.socketPath
            let poller = try await blocking {
                let connection = try RawHTTPConnection(path: path)
                try connection.send(RawHTTPConnection.request(Doc.updatesGet(lastID: 1_000_000, timeout: nil)))
                return connection
            }
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            daemon.kill(SIGTERM)
            let status = await daemon.waitForExit(timeout: .seconds(20))
            #expect(status == 0, "log:\n\(daemon.log)")
            #expect(ContinuousClock.now - started < .seconds(8))
            #expect(!FileManager.default.fileExists(atPath: path))
            poller.close()
        }
    }

    @Test func aSecondDaemonOnTheSameSocketIsRefused() async throws {
        try await withDaemon { daemon in
            let (status, stderr) = try await daemon.runToExit(daemon.arguments)
            #expect(status == 3)
            #expect(stderr.contains("already listening on \(daemon.socketPath)"))
            // Another socket, but the same state directory: refused too.
            let sameState = try await daemon.runToExit(["--backend", "simulator", "--socket", daemon.directory + "/other.sock", "--state-dir", daemon.stateDir])
            #expect(sameState.status == 4)
            #expect(sameState.stderr.contains("another xenopsd is using the state directory \(daemon.stateDir)"))
            // The first daemon still serves.
            #expect(try await daemon.result(Doc.query)["name"] == .string("xenops"))
        }
    }

    @Test func startUpFailuresExitNonZeroWithWhatFailedAndWhatToDo() async throws {
        try await withDaemon { daemon in
            let dir = daemon.directory
            let libxl = try await daemon.runToExit(["--backend", "libxl", "--socket", dir + "/other.sock", "--state-dir", dir + "/other"])
            // This machine has no Xen: libxl cannot open, and says why and what to do.
            #expect(libxl.status == 1)
            #expect(libxl.stderr.contains("cannot use the libxl backend"))
            #expect(libxl.stderr.contains("libxl_ctx_alloc"))
            #expect(libxl.stderr.contains("--backend simulator"))

            let config = dir + "/bad.json"
            _ = FileManager.default.createFile(atPath: config, contents: Data(#"{"backend":"simulator","worker":4}"#.utf8))
            let badConfig = try await daemon.runToExit(["--config", config])
            #expect(badConfig.status == 2)
            #expect(badConfig.stderr.contains("unknown key \"worker\""))

            let notADirectory = dir + "/file"
            _ = FileManager.default.createFile(atPath: notADirectory, contents: Data())
            let socketDir = try await daemon.runToExit(["--backend", "simulator", "--socket", notADirectory + "/x.sock", "--state-dir", dir + "/other"])
            #expect(socketDir.status == 3)
            #expect(socketDir.stderr.contains("socket directory"))

            let store = dir + "/not-a-store"
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: store + "/state.db", contents: Data("this is not sqlite".utf8))
            let badStore = try await daemon.runToExit(["--backend", "simulator", "--socket", dir + "/other.sock", "--state-dir", store])
            #expect(badStore.status == 4)
            #expect(badStore.stderr.contains("state store"))
        }
    }

    @Test func theExampleConfigFileIsAccepted() async throws {
        // Tests/EndToEndTests/<this file> → the package root.
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/xenopsd.json").path
        try await withDaemon(["--config", example]) { daemon in
            // Flags after --config override its backend, socket and state_dir.
            let name = try await daemon.result(Doc.query)["name"]
            #expect(name == .string("xenops"))
            daemon.kill(SIGTERM)
            #expect(await daemon.waitForExit() == 0)
        }
    }

    @Test func theConfigFileSetsTheSameKeysAndFlagsWin() async throws {
        try await withDaemon { daemon in
            let dir = daemon.directory
            let config = dir + "/xenopsd.json"
            let json = #"{"backend":"simulator","state_dir":"\#(dir)/cfg-state","socket":"\#(dir)/cfg.sock","workers":4,"log_level":"info","sim_cpus":4}"#
            _ = FileManager.default.createFile(atPath: config, contents: Data(json.utf8))
            let process = try daemon.spawn(["--config", config, "--socket", dir + "/flag.sock"])
            defer { process.killAndWait() }
            let path = dir + "/flag.sock"
            var answered = false
            for _ in 0..<600 where !answered {
                answered = (try? await blocking { try RawHTTPConnection(path: path).post(Doc.query).status == 200 }) ?? false
                if !answered { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(answered)
            #expect(FileManager.default.fileExists(atPath: dir + "/cfg-state/state.db"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/cfg.sock"))
            kill(process.processIdentifier, SIGTERM)
            #expect(process.waitForExit(), "xenopsd did not exit on SIGTERM")
            #expect(process.terminationStatus == 0)
        }
    }
}

import Foundation
import Testing
import XenopsCore
import XenopsHooks
import XenopsTestSupport

@Suite("Hook scripts run from a folder, as xenopsd runs /etc/xapi.d")
struct DirectoryHookRunnerTests {
    static let vm = "7b719ce6-0b17-9733-e8ee-000000000001"

    @Test func everyExecutableRunsInByteOrderOfItsName() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        for name in ["b", "10-second", "9-third", "B-upper", "01-first", ".hidden"] {
            try folder.add(.vmPreStart, name, "echo '\(name)' >> \(folder.outbox)/order")
        }
        try folder.add(.vmPreStart, "README", "echo README >> \(folder.outbox)/order", executable: false)
        try FileManager.default.createDirectory(atPath: folder.path + "/vm-pre-start/00-subfolder", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/vm-pre-start/02-dangling", withDestinationPath: "/nonexistent/script")
        try await folder.runner().run(.vmPreStart, vm: Self.vm, reason: .none)
        // OCaml's `compare` on strings: bytes, so digits < upper case < lower case, "10" < "9".
        #expect(folder.lines("order") == [".hidden", "01-first", "10-second", "9-third", "B-upper", "b"])
        // Other hooks' folders are separate.
        try await folder.runner().run(.vmPostDestroy, vm: Self.vm, reason: .hardShutdown)
        #expect(folder.lines("order").count == 6)
    }

    @Test func argumentsAreExactlyXenopsds() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        try folder.add(.vmPreShutdown, "record", #"printf '%s\n' "$0" "$#" "$@" > \#(folder.outbox)/args; env > \#(folder.outbox)/env"#)
        try await folder.runner().run(.vmPreShutdown, vm: Self.vm, reason: .cleanShutdown)
        #expect(folder.lines("args") == [folder.path + "/vm-pre-shutdown/record", "4", "-vmuuid", Self.vm, "-reason", "clean-shutdown"])
        // Only xenopsd's PATH is passed (the shell adds PWD itself).
        #expect(folder.lines("env").filter { !$0.hasPrefix("PWD=") } == ["PATH=/sbin:/usr/sbin:/bin:/usr/bin"])
        try await folder.runner().run(.vmPreShutdown, vm: Self.vm, reason: .hardReboot, domid: 7)
        #expect(folder.lines("args").dropFirst(2) == ["-vmuuid", Self.vm, "-reason", "hard-reboot", "-vmdomid", "7"])
    }

    @Test func shellMetacharactersInArgumentsAndNamesAreNeverInterpreted() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        let trap = folder.root.path + "/pwned"
        let vm = "$(touch \(trap)-1)`touch \(trap)-2`;touch \(trap)-3|touch \(trap)-4 && touch \(trap)-5 'x' \"y\" *"
        // A file name cannot hold "/": a shell would create pwned-name in the working directory.
        let name = "20-$(touch pwned-name);x `touch pwned-name` *"
        try folder.add(.vmPreStart, name, #"printf '%s\n' "$@" > \#(folder.outbox)/args"#)
        try await folder.runner().run(.vmPreStart, vm: vm, reason: .none)
        #expect(folder.lines("args") == ["-vmuuid", vm, "-reason", "none"])
        let made = try FileManager.default.contentsOfDirectory(atPath: folder.root.path).filter { $0.hasPrefix("pwned") }
        #expect(made.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: FileManager.default.currentDirectoryPath + "/pwned-name"))
    }

    @Test func exitOneLogsAndContinuesOtherStatusesFailWithHookFailed() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        try folder.add(.vmPreStart, "10-warn", "echo 'just saying'; echo 10 >> \(folder.outbox)/ran; exit 1")
        try folder.add(.vmPreStart, "20-refuse", "echo 'no licence for this VM'; echo oops >&2; echo 20 >> \(folder.outbox)/ran; exit 42")
        try folder.add(.vmPreStart, "30-never", "echo 30 >> \(folder.outbox)/ran")
        let error = await #expect(throws: XenopsError.self) {
            try await folder.runner().run(.vmPreStart, vm: Self.vm, reason: .none)
        }
        #expect(error == .hookFailed(script: "vm-pre-start/20-refuse", reason: "none", stdout: "no licence for this VM\n", detail: "42"))
        #expect(error?.xenops.jsonString == #"["Hook_failed",["vm-pre-start/20-refuse","none","no licence for this VM\n","42"]]"#)
        #expect(folder.lines("ran") == ["10", "20"], "scripts after a failing one do not run")
    }

    @Test func aMissingFolderMeansNoHooks() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        try await folder.runner().run(.vmPreStart, vm: Self.vm, reason: .none)  // no hooks dir at all
        try folder.add(.vmPreReboot, "x", "exit 2")
        try await folder.runner().run(.vmPreStart, vm: Self.vm, reason: .none)  // hooks dir, no vm-pre-start
    }

    @Test func timeoutKillsTheScriptAndItsChildrenAndFails() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        try folder.add(.vmPreStart, "hang", "sleep 1000 & echo $! > \(folder.outbox)/child; echo $$ > \(folder.outbox)/self; echo started; sleep 1000")
        let error = await #expect(throws: XenopsError.self) {
            try await folder.runner(timeout: .milliseconds(500)).run(.vmPreStart, vm: Self.vm, reason: .none)
        }
        guard case .hookFailed(let script, let reason, let stdout, let detail) = error else {
            Issue.record("expected Hook_failed, got \(String(describing: error))")
            return
        }
        #expect(script == "vm-pre-start/hang")
        #expect(reason == "none")
        #expect(stdout == "started\n")
        #expect(detail.hasPrefix("timed out after 0.5 s"))
        let pids = (folder.lines("child") + folder.lines("self")).compactMap { Int32($0) }
        #expect(pids.count == 2)
        for pid in pids { #expect(await eventually { processIsGone(pid) }, "process \(pid) of the hook's group still runs") }
    }

    @Test func deathBySignalFails() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        // SIGTERM at its default disposition even if the daemon ignores it.
        try folder.add(.vmPostDestroy, "term", "kill -TERM $$; sleep 5")
        let error = await #expect(throws: XenopsError.self) {
            try await folder.runner().run(.vmPostDestroy, vm: Self.vm, reason: .hardShutdown)
        }
        #expect(error == .hookFailed(script: "vm-post-destroy/term", reason: "hard-shutdown", stdout: "", detail: "killed by signal 15"))
    }

    @Test func outputIsBounded() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        try folder.add(.vmPreStart, "chatty", "head -c 2000000 /dev/zero | tr '\\0' x; head -c 2000000 /dev/zero >&2; exit 3")
        let error = await #expect(throws: XenopsError.self) {
            try await folder.runner(outputLimit: 1000).run(.vmPreStart, vm: Self.vm, reason: .none)
        }
        guard case .hookFailed(_, _, let stdout, let detail) = error else {
            Issue.record("expected Hook_failed, got \(String(describing: error))")
            return
        }
        #expect(detail == "3")
        #expect(stdout.hasPrefix(String(repeating: "x", count: 1000) + "\n[1999000 more bytes not kept]"))
    }

    @Test func cancellingTheCallerKillsTheScript() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        try folder.add(.vmPreStart, "hang", "echo $$ > \(folder.outbox)/self.tmp; mv \(folder.outbox)/self.tmp \(folder.outbox)/self; sleep 1000")
        let runner = folder.runner(timeout: nil)
        let work = Task { () -> XenopsError? in
            do throws(XenopsError) { try await runner.run(.vmPreStart, vm: Self.vm, reason: .none) } catch { return error }
            return nil
        }
        #expect(await eventually { !folder.lines("self").isEmpty })
        work.cancel()
        #expect(await work.value == .cancelled(task: ""))
        let pid = try #require(folder.lines("self").first.flatMap { Int32($0) })
        #expect(await eventually { processIsGone(pid) })
    }

    @Test func hooksForDifferentVMsRunConcurrently() async throws {
        let folder = try HookFolder()
        defer { folder.remove() }
        // Each script waits until all eight have started: it finishes only if they run at once.
        try folder.add(.vmPreStart, "barrier", """
            touch \(folder.outbox)/started-$2
            while [ $(ls \(folder.outbox) | grep -c started-) -lt 8 ]; do sleep 0.02; done
            """)
        let runner = folder.runner(timeout: .seconds(60))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<8 {
                group.addTask { try await runner.run(.vmPreStart, vm: "vm\(i)", reason: .none) }
            }
            try await group.waitForAll()
        }
    }
}

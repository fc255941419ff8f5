import Synchronization
import Testing
import XenopsCore
@testable import XenopsClient

/// `XenopsClient`'s typed methods and `waitForTask` against a scripted stub server.
@Suite("Client: API", .timeLimit(.minutes(2)))
struct ClientAPITests {
    private func client(_ server: ClientStubServer) -> XenopsClient {
        XenopsClient(socketPath: server.path, debugInfo: "api-test")
    }

    @Test("a xenops error in the reply is thrown as .xenops with the daemon's words")
    func xenopsError() async throws {
        let missing = XenopsError.doesNotExist(namespace: "VM", path: "bad/config")
        let server = try ClientStubServer { _ in .error(missing.xenops) }
        defer { server.stop() }
        do {
            _ = try await client(server).vmStat("bad")
            Issue.record("expected an error")
        } catch {
            #expect(error == .xenops(missing))
            #expect(error.message == "VM bad/config does not exist")
            #expect(error.remedy.contains("vm list"))
        }
    }

    @Test("an HTTP error page that is not JSON-RPC is a protocol error naming the status")
    func httpError() async throws {
        let page = ClientStubServer.http(Array("no such endpoint".utf8), status: "404 Not Found")
        let server = try ClientStubServer { _ in .raw(page) }
        defer { server.stop() }
        do {
            _ = try await client(server).query()
            Issue.record("expected an error")
        } catch {
            guard case .protocol(let text) = error else { Issue.record("got \(error)"); return }
            #expect(text.contains("404") && text.contains("no such endpoint"))
        }
    }

    @Test("a JSON-RPC error sent with a non-200 status is still read as the xenops error")
    func errorWithStatus() async throws {
        let body = ClientStubServer.envelope(error: XenopsError.unimplemented("VM.migrate").xenops)
        let server = try ClientStubServer { _ in .raw(ClientStubServer.http(body, status: "500 Internal Server Error")) }
        defer { server.stop() }
        await #expect(throws: XenopsClientError.xenops(.unimplemented("VM.migrate"))) { _ = try await client(server).call("VM.migrate") }
    }

    @Test("a result of the wrong shape is a protocol error naming the method")
    func wrongShape() async throws {
        let server = try ClientStubServer { _ in .result(.string("not a list")) }
        defer { server.stop() }
        do {
            _ = try await client(server).vmList()
            Issue.record("expected an error")
        } catch {
            guard case .protocol(let text) = error else { Issue.record("got \(error)"); return }
            #expect(text.contains("VM.list"))
        }
    }

    @Test("typed results decode: VM.list pairs, VBD ids, UPDATES.get triples")
    func typedResults() async throws {
        let vm = VM(id: "v1", name: "web", ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/k")))), memoryStaticMax: 1 << 30)
        let updates = UpdatesResult(barriers: [Barrier(id: 3, ids: [.vm("v1")])], ids: [.vm("v1"), .task("9")], next: 12)
        let server = try ClientStubServer { request in
            switch request.method {
            case "VM.list": return .result(.array([.array([vm.xenops, VMState.halted.xenops])]))
            case "VBD.add": return .result(request.params?["vbd"]?["id"] ?? .null)
            case "UPDATES.get": return .result(updates.xenops)
            default: return .error(XenopsError.unimplemented(request.method ?? "").xenops)
            }
        }
        defer { server.stop() }
        let c = client(server)
        let list = try await c.vmList()
        #expect(list.count == 1 && list[0].vm == vm && list[0].state == .halted)
        let id = try await c.vbdAdd(VBD(id: DeviceID(vm: "v1", name: "xvdb"), backend: .local("/dev/loop0")))
        #expect(id == DeviceID(vm: "v1", name: "xvdb"))
        #expect(try await c.updatesGet(lastID: 5, timeout: 1) == updates)
        let sent = try #require(server.requests.last?.params)
        #expect(sent["last_id"] == .int(5) && sent["timeout"] == .int(1))
    }

    @Test("VM.import_metadata sends the metadata as a string holding JSON")
    func importMetadata() async throws {
        let server = try ClientStubServer { _ in .result(.string("v1")) }
        defer { server.stop() }
        let metadata = Metadata(vm: VM(id: "v1", ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/k")))), memoryStaticMax: 1 << 30))
        #expect(try await client(server).vmImportMetadata(metadata) == "v1")
        let text = try #require(server.requests.first?.params?["metadata"]?.stringValue)
        #expect(try Metadata(xenops: try JSONValue.parse(text)) == metadata)
    }

    /// A stub of the task protocol: `Task.stat` is pending until the first `UPDATES.get`, which
    /// reports the task changed, then completed.
    private func taskServer(final: TaskState, unrelatedFirst: Bool = false) throws -> ClientStubServer {
        let polls = Counter()
        return try ClientStubServer { request in
            switch request.method {
            case "UPDATES.last_id": return .result(.int(10))
            case "UPDATES.get":
                let n = polls.next()
                if unrelatedFirst && n == 0 {
                    return .result(UpdatesResult(barriers: [], ids: [.vm("other")], next: 11).xenops)
                }
                return .result(UpdatesResult(barriers: [], ids: [.task("5")], next: 12).xenops)
            case "Task.stat":
                let state: TaskState = polls.value == 0 || (unrelatedFirst && polls.value == 1) ? .pending(0.5) : final
                return .result(TaskInfo(id: "5", dbg: "api-test", ctime: 0, state: state).xenops)
            case "Task.destroy": return .result(.null)
            default: return .error(XenopsError.unimplemented(request.method ?? "").xenops)
            }
        }
    }

    @Test("waitForTask follows UPDATES from last_id, reports progress, then destroys the task")
    func waitForTask() async throws {
        let server = try taskServer(final: .completed(duration: 1.5, result: nil))
        defer { server.stop() }
        let seen = Recorder()
        let info = try await client(server).waitForTask("5") { seen.add($0) }
        #expect(info.state == .completed(duration: 1.5, result: nil))
        #expect(seen.values == [0.5])
        #expect(server.methods == ["UPDATES.last_id", "Task.stat", "UPDATES.get", "Task.stat", "Task.destroy"])
        let get = try #require(server.requests.first { $0.method == "UPDATES.get" }?.params)
        #expect(get["last_id"] == .int(10))
        #expect(get["timeout"] != nil)
    }

    @Test("waitForTask keeps long-polling while only other objects change")
    func waitSkipsOtherObjects() async throws {
        let server = try taskServer(final: .completed(duration: 0.1, result: nil), unrelatedFirst: true)
        defer { server.stop() }
        _ = try await client(server).waitForTask("5")
        #expect(server.methods == ["UPDATES.last_id", "Task.stat", "UPDATES.get", "UPDATES.get", "Task.stat", "Task.destroy"])
        let lastIDs = server.requests.filter { $0.method == "UPDATES.get" }.compactMap { $0.params?["last_id"] }
        #expect(lastIDs == [.int(10), .int(11)])
    }

    @Test("a failed task: waitForTask returns it, awaitTask throws its xenops error")
    func failedTask() async throws {
        let error = XenopsError.badPowerState(found: .running, expected: .halted)
        let server = try taskServer(final: .failed(error.xenops))
        defer { server.stop() }
        let info = try await client(server).waitForTask("5")
        #expect(info.state == .failed(error.xenops))
        #expect(throws: XenopsClientError.xenops(error)) { try info.checkSucceeded() }
    }
}

/// A thread-safe counter for stub handlers.
final class Counter: Sendable {
    private let count = Mutex(0)
    /// Returns the current value and increments it.
    func next() -> Int { count.withLock { v in defer { v += 1 }; return v } }
    var value: Int { count.withLock { $0 } }
}

/// Collects values from `@Sendable` callbacks.
final class Recorder: Sendable {
    private let list = Mutex<[Double]>([])
    func add(_ v: Double) { list.withLock { $0.append(v) } }
    var values: [Double] { list.withLock { $0 } }
}

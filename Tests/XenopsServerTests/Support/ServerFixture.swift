import Foundation
import Logging
import Testing
import XenopsCore
import XenopsEngine
import XenopsRPC
import XenopsServer
import XenopsSimulator
import XenopsStore
import XenopsTestSupport

/// A live ``RPCServer`` on a temporary socket, serving an in-process engine over the
/// simulator and a store in a temporary directory.
struct ServerFixture {
    let directory: String
    let socketPath: String
    let engine: XenopsEngine
    let simulator: SimulatedHypervisor
    let server: RPCServer

    /// Starts a server; `configure` adjusts its configuration (the socket path is set).
    static func start(stepLatency: Duration = .zero, _ configure: (inout RPCServerConfiguration) -> Void = { _ in }) async throws -> ServerFixture {
        // Short, because a Unix socket path holds at most 107 bytes.
        let directory = "/tmp/xs-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var simConfig = SimulatorConfiguration()
        simConfig.statePath = directory + "/simulator.json"
        simConfig.stepLatency = stepLatency
        let simulator = try SimulatedHypervisor(configuration: simConfig)
        let store = try VMStore(path: directory + "/state.db")
        let engine = XenopsEngine(backend: simulator, store: store)
        try await engine.start()
        var configuration = RPCServerConfiguration(socketPath: directory + "/run/xenopsd.sock")
        configure(&configuration)
        var logger = Logger(label: "xenopsd.server.test")
        logger.logLevel = .error
        let server = RPCServer(dispatcher: Dispatcher(service: EngineService(engine: engine)), configuration: configuration, logger: logger)
        try await server.start()
        return ServerFixture(directory: directory, socketPath: configuration.socketPath, engine: engine, simulator: simulator, server: server)
    }

    func cleanup() async {
        await server.stop()
        await engine.close(timeout: .seconds(2))
        await simulator.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Opens a connection (blocking; call inside ``blocking(_:)``).
    func connect(timeout: Double = 30) throws -> RawHTTPConnection {
        try RawHTTPConnection(path: socketPath, timeout: timeout)
    }

    /// One request on a fresh connection.
    func call(_ body: String) async throws -> RawHTTPResponse {
        let path = socketPath
        return try await blocking {
            let connection = try RawHTTPConnection(path: path)
            return try connection.post(body)
        }
    }

    /// Defines a small PV VM through the engine and returns its id.
    @discardableResult
    func defineVM(_ id: String = UUID().uuidString.lowercased()) async throws -> String {
        let vm = VM(id: id, name: "test", ty: .pv(PVInfo(boot: .direct(DirectBoot(kernel: "/boot/vmlinuz", cmdline: "")))), memoryStaticMax: 256 << 20, vcpuMax: 1, vcpus: 1)
        return try await engine.importMetadata(Metadata(vm: vm, vifs: [VIF(id: DeviceID(vm: id, name: "0"), mac: "aa:bb:cc:00:00:01")]), debugInfo: "test")
    }
}

/// Parses a reply body.
func json(_ response: RawHTTPResponse) throws -> JSONValue {
    try JSONValue.parse(response.body)
}

/// A v1 request document.
func v1(_ method: String, _ params: String = "", id: Int = 1) -> String {
    let extra = params.isEmpty ? "" : ", \(params)"
    return #"{"method":"\#(method)","params":[{"debug_info":"test"\#(extra)}],"id":\#(id)}"#
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Runs `body` against a fresh server and always cleans up, whether `body` throws or not.
func withServer(
    stepLatency: Duration = .zero, _ configure: (inout RPCServerConfiguration) -> Void = { _ in },
    _ body: (ServerFixture) async throws -> Void
) async throws {
    let fixture = try await ServerFixture.start(stepLatency: stepLatency, configure)
    do {
        try await body(fixture)
    } catch {
        await fixture.cleanup()
        throw error
    }
    await fixture.cleanup()
}

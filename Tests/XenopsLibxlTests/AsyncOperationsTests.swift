import CXenLight
import Testing
import XenGlue
@testable import XenopsLibxl

@Suite struct AsyncOperationsTests {
    let registry = AsyncOperations()

    @Test func completionAfterWaiting() async throws {
        let token = registry.reserve("libxl_domain_create_new", keepAlive: nil)
        async let result = registry.wait(token)
        try await Task.sleep(for: .milliseconds(10))
        registry.complete(token, rc: 0)
        #expect(try await result.get() == ())
        #expect(registry.inFlight == 0)
    }

    @Test func completionBeforeWaitingIsKept() async {
        // libxl may call the callback before the initiating call returns.
        let token = registry.reserve("libxl_domain_suspend", keepAlive: nil)
        registry.complete(token, rc: ERROR_FAIL.rawValue)
        guard case .failure(let e) = await registry.wait(token) else {
            Issue.record("expected a failure")
            return
        }
        #expect(e.function == "libxl_domain_suspend" && e.rc == ERROR_FAIL.rawValue)
        #expect(registry.inFlight == 0)
    }

    @Test func tokensAreNeverReusedAndLateCompletionsAreIgnored() async {
        let a = registry.reserve("a", keepAlive: nil)
        registry.complete(a, rc: 0)
        _ = await registry.wait(a)
        let b = registry.reserve("b", keepAlive: nil)
        #expect(b != a)
        registry.complete(a, rc: ERROR_FAIL.rawValue)  // stale: must not touch b
        registry.complete(b, rc: 0)
        #expect((try? await registry.wait(b).get()) != nil)
    }

    @Test func cancellationMarksOnlyPendingOperations() async {
        let token = registry.reserve("x", keepAlive: nil)
        #expect(registry.markCancelled(token))
        #expect(registry.isCancelled(token))
        registry.complete(token, rc: ERROR_ABORTED.rawValue)
        #expect(!registry.markCancelled(token))
        _ = await registry.wait(token)
        #expect(!registry.markCancelled(token))
    }

    @Test func theCCallbackReachesTheSharedRegistry() async throws {
        let shared = AsyncOperations.shared
        let token = shared.reserve("libxl_domain_create_restore", keepAlive: "box")
        var how = AsyncOperations.how(token)
        #expect(UInt(bitPattern: how.u.for_callback) == token)
        let callback = try #require(how.callback)
        // libxl logs why it failed on the thread that then completes the operation.
        let logger = LibxlLogger(logger: LogCapture().logger)
        LibxlError.clearThreadMessage()
        xg_logger_emit(UnsafeMutableRawPointer(logger.raw), Int32(XTL_ERROR.rawValue), -1, "libxl", "cannot allocate 4 GiB")
        callback(nil, ERROR_NOMEM.rawValue, how.u.for_callback)
        guard case .failure(let e) = await shared.wait(token) else {
            Issue.record("expected a failure")
            return
        }
        #expect(e.code == .noMemory)
        #expect(e.function == "libxl_domain_create_restore")
        #expect(e.detail == "cannot allocate 4 GiB")
        how.callback = nil
    }

    @Test func keepAliveIsReleasedOnCompletion() async {
        final class Box: Sendable {}
        weak var weakBox: Box?
        let token: UInt
        do {
            let box = Box()
            weakBox = box
            token = registry.reserve("x", keepAlive: box)
        }
        #expect(weakBox != nil)
        registry.complete(token, rc: 0)
        _ = await registry.wait(token)
        #expect(weakBox == nil)
    }
}

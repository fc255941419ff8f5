import CXenLight
import CXenMock
import Foundation
import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

/// Everything that allocates a real `libxl_ctx`. Serialised: the CXenMock switch is
/// process-wide, and the "no Xen" tests need it off.
@Suite(.serialized) struct LibxlContextTests {
    static let hostHasXen = FileManager.default.fileExists(atPath: "/dev/xen/privcmd") || FileManager.default.fileExists(atPath: "/proc/xen/privcmd")

    /// Runs `body` with CXenMock's dummy handles on.
    func withMockedXen<T>(_ body: () throws -> T) rethrows -> T {
        xenmock_set_enabled(1)
        defer { xenmock_set_enabled(0) }
        return try body()
    }

    @Test(.disabled(if: hostHasXen, "this host runs Xen"))
    func allocationFailsCleanlyWithoutXen() throws {
        let capture = LogCapture()
        do {
            _ = try LibxlContext(logger: capture.logger)
            Issue.record("libxl_ctx_alloc succeeded without Xen")
        } catch {
            #expect(error.function == "libxl_ctx_alloc")
            #expect(error.rc == ERROR_FAIL.rawValue)
            #expect(error.errno == ENOENT)
            #expect(error.detail.contains("not running under Xen"))
            #expect(error.detail.contains("cannot open libxc handle"))
            #expect(error.remedy.contains("--backend simulator"))
            #expect(error.description.contains("libxl_ctx_alloc failed: ERROR_FAIL (rc -3)"))
        }
        #expect(capture.messages.contains { $0.contains("cannot open libxc handle") })
    }

    @Test(.disabled(if: hostHasXen, "this host runs Xen"))
    func hypervisorOpenFailsWithABackendError() async throws {
        let capture = LogCapture()
        do {
            _ = try await LibxlHypervisor.open(logger: capture.logger)
            Issue.record("the libxl backend opened without Xen")
        } catch let e as BackendError {
            guard case .failed(let operation, let code, let detail, let remedy) = e else {
                Issue.record("expected .failed, got \(e)")
                return
            }
            #expect(operation == "open the libxl backend (libxl_ctx_alloc)")
            #expect(code == -3)
            #expect(detail.contains("not running under Xen"))
            #expect(remedy.contains("--backend simulator"))
        }
    }

    @Test func mockedContextRunsAndStopsTheEventThread() async throws {
        let capture = LogCapture()
        let context = try withMockedXen { try LibxlContext(logger: capture.logger) }
        #expect(context.loop.isRunning)
        try await Task.sleep(for: .milliseconds(50))
        #expect(context.loop.iterations.load(ordering: .relaxed) >= 1)
        let clock = ContinuousClock()
        let elapsed = clock.measure { context.close() }
        #expect(!context.loop.isRunning)
        #expect(context.isClosed)
        #expect(elapsed < .seconds(2), "stopping the event thread must not hang")
        context.close()  // idempotent
    }

    @Test func eventsAreCopiedFreedAndStreamed() async throws {
        let context = try withMockedXen { try LibxlContext(logger: LogCapture().logger, startEventLoop: false) }
        defer { context.close() }
        let user = Unmanaged.passUnretained(context.sink).toOpaque()
        func event(_ type: libxl_event_type, domid: UInt32, _ fill: (UnsafeMutablePointer<libxl_event>) -> Void = { _ in }) -> UnsafeMutablePointer<libxl_event> {
            let e = calloc(1, MemoryLayout<libxl_event>.stride)!.assumingMemoryBound(to: libxl_event.self)
            e.pointee.type = type
            e.pointee.domid = domid
            e.pointee.domuuid = LibxlUUID.parse(Fixtures.uuid)!
            fill(e)
            return e
        }
        libxlEventOccurs(user, event(LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, domid: 3) { $0.pointee.u.domain_shutdown.shutdown_reason = 1 })
        libxlEventOccurs(user, event(LIBXL_EVENT_TYPE_DISK_EJECT, domid: 3) { e in
            libxl_device_disk_init(&e.pointee.u.disk_eject.disk)
            e.pointee.u.disk_eject.vdev = strdup("hdc")
        })
        libxlEventOccurs(user, event(LIBXL_EVENT_TYPE_DOMAIN_DEATH, domid: 3))
        libxlEventDisaster(user, LIBXL_EVENT_TYPE_DOMAIN_DEATH, "out of memory", ENOMEM)
        var received: [LibxlEvent] = []
        for await e in context.events {
            received.append(e)
            if received.count == 4 { break }
        }
        #expect(received[0] == .domainShutdown(domid: 3, uuid: Fixtures.uuid, reason: .reboot))
        #expect(received[1] == .diskEject(domid: 3, uuid: Fixtures.uuid, vdev: "hdc"))
        #expect(received[2] == .domainDeath(domid: 3, uuid: Fixtures.uuid))
        #expect(received[3] == .disaster(message: "event type 2: out of memory", errno: ENOMEM))
    }

    /// libxl's parser reads back what the builder produced (it needs a ctx: NOGC), and renders
    /// it identically: the builder's output is a configuration libxl understands.
    @Test(arguments: ["pv-direct", "pv-pygrub", "pvh", "pvinpvh", "hvm-bios", "hvm-uefi", "disks", "nics", "sched-memory-vcpus"])
    func goldenConfigurationsRoundTripThroughLibxl(_ name: String) throws {
        let url = Golden.directory.appendingPathComponent("\(name).json")
        let json = try String(contentsOf: url, encoding: .utf8)
        let context = try withMockedXen { try LibxlContext(logger: LogCapture().logger, startEventLoop: false) }
        defer { context.close() }
        let box = DomainConfigBox()
        #expect(libxl_domain_config_from_json(context.raw, box.pointer, json) == 0)
        #expect(try Golden.normalise(box.json()) == (try Golden.normalise(json)))
    }
}

import CXenLight
import Foundation
import Glibc
import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

/// The parts of `LibxlHypervisor` that run without Xen.
@Suite struct LibxlHypervisorHelpersTests {
    @Test func ejectAndInsertBuildWhatCdromInsertWants() {
        let eject = LibxlValue.disk()
        LibxlHypervisor.fillMedia(&eject.pointer.pointee, vdev: "xvdd", path: nil)
        #expect(eject.pointer.pointee.format == LIBXL_DISK_FORMAT_EMPTY)
        #expect(String(cString: eject.pointer.pointee.pdev_path) == "")
        #expect(eject.pointer.pointee.is_cdrom == 1 && eject.pointer.pointee.readwrite == 0)
        #expect(eject.pointer.pointee.backend == LIBXL_DISK_BACKEND_QDISK)
        let insert = LibxlValue.disk()
        LibxlHypervisor.fillMedia(&insert.pointer.pointee, vdev: "xvdd", path: "/srv/iso/a.qcow2")
        #expect(insert.pointer.pointee.format == LIBXL_DISK_FORMAT_QCOW2)
        #expect(String(cString: insert.pointer.pointee.vdev) == "xvdd")
    }

    @Test func streamFDsBecomeBlockingAndCloseOnExec() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        try LibxlHypervisor.prepareStreamFD(fds[1], operation: "save")
        #expect(fcntl(fds[1], F_GETFL) & O_NONBLOCK == 0)
        #expect(fcntl(fds[1], F_GETFD) & FD_CLOEXEC != 0)
        #expect(throws: BackendError.self) { try LibxlHypervisor.prepareStreamFD(-1, operation: "save") }
    }

    @Test func aRefusedLogDirtyModeIsRecognised() {
        let refused = BackendError.failed(operation: "save (libxl_domain_suspend)", code: -8, detail: "libxl error ERROR_GUEST_TIMEDOUT: Failed to enable logdirty: 95,22,0 (errno 22: Invalid argument); Save failed", remedy: "")
        let other = BackendError.failed(operation: "save (libxl_domain_suspend)", code: -8, detail: "libxl error ERROR_GUEST_TIMEDOUT: domain did not respond to suspend request", remedy: "")
        #expect(LibxlHypervisor.isLogDirtyRefusal(refused))
        #expect(!LibxlHypervisor.isLogDirtyRefusal(other))
    }

    @Test func anOperationsFailureIsExplainedByEverythingItLogged() {
        let libxl = "libxl_stream_write.c:347: Domain 3:saving domain: domain did not respond to suspend request"
        let logged = ["Failed to enable logdirty: 95,22,0 (errno 22: Invalid argument)", "Save failed", libxl + " (errno 22: Invalid argument)"]
        #expect(LibxlHypervisor.explain(libxl, with: logged) == "Failed to enable logdirty: 95,22,0 (errno 22: Invalid argument); Save failed; " + libxl)
        #expect(LibxlHypervisor.explain(AsyncOperations.noMessage, with: logged) == logged.joined(separator: "; "))
        #expect(LibxlHypervisor.explain(AsyncOperations.noMessage, with: []) == AsyncOperations.noMessage)
        #expect(LibxlHypervisor.explain(libxl, with: []) == libxl)
    }

    @Test func timeoutsTolerateNonsense() {
        #expect(LibxlHypervisor.duration(seconds: 1.5) == .milliseconds(1500))
        #expect(LibxlHypervisor.duration(seconds: -1) == .zero)
        #expect(LibxlHypervisor.duration(seconds: .nan) == .zero)
        #expect(LibxlHypervisor.duration(seconds: .infinity) == .seconds(1e9))
    }

    @Test func domainLookupPrefersTheLiveDomain() {
        func snapshot(_ domid: UInt32, dying: Bool) -> DomainSnapshot {
            var info = libxl_dominfo()
            info.domid = domid
            info.uuid = LibxlUUID.parse(Fixtures.uuid)!
            info.dying = dying
            info.domain_type = LIBXL_DOMAIN_TYPE_PV
            return DomainSnapshot(info)
        }
        let list = [snapshot(3, dying: true), snapshot(4, dying: false)]
        #expect(LibxlHypervisor.find(Fixtures.uuid.uppercased(), in: list)?.domid == 4)
        #expect(LibxlHypervisor.find(Fixtures.uuid, in: [snapshot(3, dying: true)])?.runState == .dying)
        #expect(LibxlHypervisor.find("00000000-0000-0000-0000-000000000009", in: list) == nil)
    }

    @Test func snapshotStates() {
        var info = libxl_dominfo()
        info.paused = true
        #expect(DomainSnapshot(info).runState == .paused)
        info.shutdown = true
        info.shutdown_reason = LIBXL_SHUTDOWN_REASON_CRASH
        #expect(DomainSnapshot(info).runState == .shutdown(.crash))
        info.dying = true
        #expect(DomainSnapshot(info).runState == .dying)
        info = libxl_dominfo()
        info.domain_type = LIBXL_DOMAIN_TYPE_HVM
        #expect(DomainSnapshot(info).runState == .running && DomainSnapshot(info).type == .hvm)
    }

    /// Every platform key with a libxl option is in the table of Docs/libxl.md.
    @Test func platformTableIsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/libxl.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for key in PlatformKey.table.map(\.key) + PlatformKey.viridianGroups.keys + PlatformKey.ignored.keys {
            #expect(text.contains("`\(key)`"), "platform key \(key) is missing from Docs/libxl.md")
        }
    }
}

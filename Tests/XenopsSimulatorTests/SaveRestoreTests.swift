import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsSimulator
import XenopsTestSupport

@Suite("Save images")
struct SaveRestoreTests {
    /// Saves a running domain with some state to a file and returns the image bytes.
    private func savedImage(_ sim: SimulatedHypervisor, _ dir: TemporaryDirectory, memory: Int64 = 256 << 20) async throws -> (spec: DomainSpec, bytes: [UInt8]) {
        var spec = makeSpec(memory: memory, vcpus: 1, vcpuMax: 4)
        spec.vbds = [disk(spec.vm.id, "xvda", "/dev/vg/a")]
        _ = try await sim.createDomain(spec)
        try await sim.unpause(vm: spec.vm.id)
        try await sim.setVcpus(vm: spec.vm.id, count: 3)
        try await sim.setMemoryTarget(vm: spec.vm.id, bytes: 192 << 20)
        try await sim.setXSData(vm: spec.vm.id, ["vm-data/hostname": "a"])
        let path = dir.file("\(spec.vm.id).img")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(fd >= 0)
        try await sim.save(vm: spec.vm.id, to: fd, live: true)
        close(fd)
        return (spec, Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Restores `spec` from `bytes` through a temporary file.
    private func restore(_ sim: SimulatedHypervisor, _ dir: TemporaryDirectory, _ spec: DomainSpec, _ bytes: [UInt8]) async throws -> DomainInfo {
        let path = dir.file("restore-\(UUID().uuidString).img")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        return try await sim.restore(spec, from: fd)
    }

    @Test("the image has the magic, the uuid, the state and bounded synthetic memory; restore brings the state back")
    func roundTrip() async throws {
        try await withTemporaryDirectory { dir in
            try await withSimulator { sim in
                let (spec, bytes) = try await savedImage(sim, dir)
                #expect(bytes.starts(with: Array("XENOPS-SIM-IMAGE v1\n".utf8)))
                #expect(String(decoding: bytes, as: UTF8.self).contains(spec.vm.id))
                #expect(bytes.count > 64 << 10 && bytes.count < 2 << 20)
                #expect(try await sim.domainInfo(vm: spec.vm.id)?.state == .shutdown(.suspend))
                try await sim.destroy(vm: spec.vm.id)
                let info = try await restore(sim, dir, spec, bytes)
                #expect(info.state == .paused)
                #expect(info.domid == 2)
                #expect(info.vcpusOnline == 3)
                #expect(info.memoryTarget == 192 << 20)
                #expect(info.devices.vbds == ["xvda": .local("/dev/vg/a")])
            }
        }
    }

    @Test("synthetic memory is capped at 1 MiB for big domains")
    func bigDomain() async throws {
        try await withTemporaryDirectory { dir in
            try await withSimulator(SimulatorConfiguration(hostMemoryBytes: 64 << 30)) { sim in
                let (_, bytes) = try await savedImage(sim, dir, memory: 32 << 30)
                #expect(bytes.count > 1 << 20 && bytes.count < (1 << 20) + (64 << 10))
            }
        }
    }

    @Test("an image can be restored under another uuid (migration), not onto a live one")
    func otherUUID() async throws {
        try await withTemporaryDirectory { dir in
            try await withSimulator { sim in
                let (spec, bytes) = try await savedImage(sim, dir)
                await #expect(throws: BackendError.xenops(.alreadyExists(namespace: "domain", path: spec.vm.id))) {
                    _ = try await restore(sim, dir, spec, bytes)
                }
                let target = makeSpec(vcpus: 1, vcpuMax: 2)
                let info = try await restore(sim, dir, target, bytes)
                #expect(info.uuid == target.vm.id)
                #expect(info.vcpusOnline == 2, "vCPUs from the image are clamped to the new spec's vcpu_max")
            }
        }
    }

    @Test("bad images are rejected with a clear message", arguments: ["magic", "truncated", "checksum", "empty"])
    func badImage(_ damage: String) async throws {
        try await withTemporaryDirectory { dir in
            try await withSimulator { sim in
                var (_, bytes) = try await savedImage(sim, dir)
                let expected: String
                switch damage {
                case "magic": bytes[0] = UInt8(ascii: "Y"); expected = "magic"
                case "truncated": bytes.removeLast(bytes.count / 2); expected = "truncated"
                case "checksum": bytes[bytes.count / 2] ^= 0xff; expected = "checksum"
                default: bytes = []; expected = "truncated"
                }
                let target = makeSpec()
                let error = await #expect(throws: BackendError.self) { _ = try await restore(sim, dir, target, bytes) }
                guard case .failed(let operation, _, let detail, _)? = error else { Issue.record("unexpected \(String(describing: error))"); return }
                #expect(operation == "restore")
                #expect(detail.contains(expected), "\(detail)")
                #expect(try await sim.domainInfo(vm: target.vm.id) == nil)
            }
        }
    }

    @Test("the stream is read exactly: bytes after the image stay in the pipe")
    func exactRead() async throws {
        try await withTemporaryDirectory { dir in
            try await withSimulator { sim in
                let (_, image) = try await savedImage(sim, dir)
                var fds: [Int32] = [0, 0]
                try #require(pipe(&fds) == 0)
                let (r, w) = (fds[0], fds[1])
                let trailer = Array("after".utf8)
                let writer = Task.detached {
                    let all = image + trailer
                    var offset = 0
                    while offset < all.count {
                        let n = all.withUnsafeBytes { write(w, $0.baseAddress! + offset, all.count - offset) }
                        if n <= 0 { break }
                        offset += n
                    }
                }
                let info = try await sim.restore(makeSpec(), from: r)
                await writer.value
                close(w)
                #expect(info.state == .paused)
                var rest = [UInt8](repeating: 0, count: 16)
                let n = read(r, &rest, 16)
                #expect(Array(rest.prefix(max(0, n))) == trailer)
                close(r)
            }
        }
    }

    @Test("save and restore over a socket pair, as a migration does, keep the vm-data")
    func socketPair() async throws {
        try await withSimulator { sim in
            var spec = makeSpec(memory: 4 << 30)
            spec.vm.xsdata = ["vm-data/a": "1"]
            _ = try await sim.createDomain(spec)
            try await sim.unpause(vm: spec.vm.id)
            try await sim.setXSData(vm: spec.vm.id, ["vm-data/b": "2"])
            var fds: [Int32] = [0, 0]
            try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
            let (a, b) = (fds[0], fds[1])
            defer { close(a); close(b) }
            let target = makeSpec(memory: 4 << 30)
            async let saved: Void = sim.save(vm: spec.vm.id, to: a, live: true)
            async let restored = sim.restore(target, from: b)
            try await saved
            let info = try await restored
            #expect(info.state == .paused)
            #expect(sim.xenstoreData(vm: target.vm.id) == ["vm-data/a": "1", "vm-data/b": "2"])
        }
    }

    @Test("restore is cancellable while it waits for data")
    func restoreCancellable() async throws {
        try await withSimulator { sim in
            var fds: [Int32] = [0, 0]
            try #require(pipe(&fds) == 0)
            defer { close(fds[0]); close(fds[1]) }
            let fd = fds[0]
            let restore = Task { try await sim.restore(makeSpec(), from: fd) }
            try await Task.sleep(for: .milliseconds(100))
            restore.cancel()
            let result = await restore.result
            #expect(throws: BackendError.cancelled(operation: "restore")) { try result.get() }
        }
    }

    @Test("save needs a live, cooperative guest")
    func saveRefusals() async throws {
        try await withSimulator { sim in
            let spec = makeSpec()
            let vm = spec.vm.id
            _ = try await sim.createDomain(spec)
            try await sim.unpause(vm: vm)
            sim.setGuestBehaviour(.refuseAck, for: vm)
            await #expect(throws: BackendError.xenops(.failedToAcknowledgeSuspendRequest)) { try await sim.save(vm: vm, to: -1, live: false) }
            sim.setGuestBehaviour(.cooperative, for: vm)
            await #expect(throws: BackendError.self) { try await sim.save(vm: vm, to: -1, live: false) }  // bad fd
            #expect(try await sim.domainInfo(vm: vm)?.state == .running)
            try sim.simulateGuestShutdown(vm: vm, reason: .poweroff)
            await #expect(throws: BackendError.self) { try await sim.save(vm: vm, to: 1, live: false) }
        }
    }

    @Test("save into a pipe whose reader has gone fails instead of killing the process")
    func brokenPipe() async throws {
        try await withSimulator { sim in
            let spec = makeSpec()
            _ = try await sim.createDomain(spec)
            var fds: [Int32] = [0, 0]
            try #require(pipe(&fds) == 0)
            close(fds[0])
            defer { close(fds[1]) }
            await #expect(throws: BackendError.self) { try await sim.save(vm: spec.vm.id, to: fds[1], live: false) }
            #expect(try await sim.domainInfo(vm: spec.vm.id)?.state == .paused)
        }
    }
}

import Foundation
import XenopsBackend
import XenopsCore

extension BackendConformance {
    /// The outcome of an async throwing body, so two concurrent sides can both finish before
    /// either failure is reported.
    static func outcome<T: Sendable>(_ body: @Sendable () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static let saveRestoreCases: [Case] = [
        Case("save-restore-file", "save to a file leaves the domain shut down (suspend); restore from it makes a paused domain with the same uuid and a new domid") { c in
            let h = c.hypervisor
            let spec = c.makeSpec(vcpus: 1, vcpuMax: 2)
            let vm = spec.vm.id
            let original = try await h.createDomain(spec)
            try await h.unpause(vm: vm)
            let path = c.scratchFile("\(vm).save")
            let out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            try Verify.that(out >= 0, "cannot create \(path)")
            do {
                defer { close(out) }
                try await h.save(vm: vm, to: out, live: false)
            }
            try await expectState(c, vm, .shutdown(.suspend), "after save")
            try await h.destroy(vm: vm)

            let input = open(path, O_RDONLY | O_CLOEXEC)
            try Verify.that(input >= 0, "cannot open \(path)")
            defer { close(input) }
            let restored = try await h.restore(spec, from: input)
            try Verify.equal(restored.uuid, vm, "uuid of the restored domain")
            try Verify.that(restored.domid > 0 && restored.domid != original.domid, "restored domid \(restored.domid) is not a new guest domid (was \(original.domid))")
            try Verify.equal(restored.state, .paused, "state after restore")
            try Verify.equal(restored.vcpusMax, 2, "vcpusMax after restore")
            try await h.unpause(vm: vm)
            try await expectState(c, vm, .running, "after unpausing the restored domain")
        },
        Case("save-restore-pipe", "save into a pipe while a restore reads the other end (the migration shape, not live)") { c in
            try await saveThroughPipe(c, live: false)
        },
        Case("save-restore-live", "a live save (memory copied while the guest runs) into a pipe while a restore reads the other end; where the host cannot track dirty pages, a clear unsupported error that leaves the guest running") { c in
            guard c.settings.supportsLiveSave else {
                try await liveSaveRefused(c)
                return
            }
            try await saveThroughPipe(c, live: true)
        },
    ]

    /// On a host without log-dirty mode: a live save fails with ``BackendError/unsupported``,
    /// the guest keeps running, and nothing was restored.
    static func liveSaveRefused(_ c: ConformanceContext) async throws {
        let h = c.hypervisor
        let source = c.makeSpec()
        let target = c.makeSpec()
        _ = try await h.createDomain(source)
        try await h.unpause(vm: source.vm.id)
        let (saveResult, restoreResult) = try await saveIntoRestore(h, source: source, target: target, live: true)
        guard case .failure(let error) = saveResult else {
            throw ConformanceFailure("the live save succeeded on a host said not to support it: drop --no-live-save")
        }
        try Verify.that(ExpectedError.isUnsupported(error), "the refused live save threw \(error), not an unsupported error")
        try Verify.that((try? restoreResult.get()) == nil, "a restore from a refused live save succeeded")
        try await expectState(c, source.vm.id, .running, "of the source after the refused live save")
        try Verify.that(try await h.domainInfo(vm: target.vm.id) == nil, "the refused live save left a domain for the target")
    }

    /// Saves a running guest into a pipe while a restore reads the other end, as a migration
    /// does, and checks both sides.
    static func saveThroughPipe(_ c: ConformanceContext, live: Bool) async throws {
        let h = c.hypervisor
        let source = c.makeSpec()
        let target = c.makeSpec()
        let sourceInfo = try await h.createDomain(source)
        try await h.unpause(vm: source.vm.id)
        let (saveResult, restoreResult) = try await saveIntoRestore(h, source: source, target: target, live: live)
        try saveResult.get()
        let info = try restoreResult.get()
        try Verify.equal(info.uuid, target.vm.id, "uuid of the restored domain")
        try Verify.equal(info.state, .paused, "state after restore")
        try Verify.that(info.domid != sourceInfo.domid, "the restored domain reuses the source's domid \(info.domid)")
        try await expectState(c, source.vm.id, .shutdown(.suspend), "of the source after save")
        try await h.unpause(vm: target.vm.id)
        try await expectState(c, target.vm.id, .running, "after unpausing the restored domain")
    }

    /// Saves `source`'s domain into a pipe while `target` is restored from the other end;
    /// returns both outcomes once both sides have finished.
    static func saveIntoRestore(_ h: any Hypervisor, source: DomainSpec, target: DomainSpec, live: Bool) async throws -> (Result<Void, any Error>, Result<DomainInfo, any Error>) {
        var fds: [Int32] = [0, 0]
        try Verify.that(pipe(&fds) == 0, "pipe() failed")
        // Close-on-exec: a backend's helper processes must get only the end they are given,
        // or a stray write end keeps the reader from ever seeing EOF.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        // Each side closes its end when done so the other side sees EOF or EPIPE instead of hanging.
        async let saved: Result<Void, any Error> = BackendConformance.outcome {
            defer { close(writeEnd) }
            try await h.save(vm: source.vm.id, to: writeEnd, live: live)
        }
        async let restored: Result<DomainInfo, any Error> = BackendConformance.outcome {
            defer { close(readEnd) }
            return try await h.restore(target, from: readEnd)
        }
        return await (saved, restored)
    }
}

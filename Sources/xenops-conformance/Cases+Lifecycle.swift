import Foundation
import XenopsBackend
import XenopsCore

extension ConformanceCase {
    /// Domain lifecycle with the test guest.
    static let lifecycle: [ConformanceCase] = [
        ConformanceCase(name: "lifecycle.create-paused-and-destroy", requires: [.bootableGuest]) { c in
            let spec = c.spec(name: "create")
            let vm = spec.vm.id
            let info = try await c.hypervisor.createDomain(spec)
            try check(info.state == .paused, "a new domain is \(info.state), not paused")
            try check(info.uuid == vm, "the domain handle is \(info.uuid), not the VM uuid \(vm)")
            try check(info.domid > 0, "domid \(info.domid)")
            try check(info.creator == "xenopsd-ng", "creator is \(info.creator ?? "nil")")
            try check(info.vcpusMax == 1 && info.memoryMax >= 128 << 20, "vCPUs \(info.vcpusMax), memory max \(info.memoryMax)")
            let listed = try await c.hypervisor.listDomains()
            try check(listed.contains { $0.uuid == vm && $0.domid == info.domid }, "the new domain is not listed")
            try await expectFailure("a second domain for the same VM", { _ = try await c.hypervisor.createDomain(spec) }) {
                $0 == .xenops(.alreadyExists(namespace: "domain", path: vm))
            }
            try await c.hypervisor.destroy(vm: vm)
            try check(try await c.hypervisor.domainInfo(vm: vm) == nil, "the domain is still there after destroy")
            try await c.events.waitFor("domainDied", timeout: c.seconds(10)) { $0 == .domainDied(vm: vm, domid: info.domid) }
            try await c.hypervisor.destroy(vm: vm)  // idempotent
        },
        ConformanceCase(name: "lifecycle.pause-unpause", requires: [.bootableGuest]) { c in
            let spec = c.spec(name: "pause")
            try await c.withDomain(spec) { _ in
                let vm = spec.vm.id
                try await c.hypervisor.unpause(vm: vm)
                try check(try await c.info(vm).state == .running, "not running after unpause")
                try await c.hypervisor.pause(vm: vm)
                try check(try await c.info(vm).state == .paused, "not paused after pause")
                try await c.hypervisor.unpause(vm: vm)
                try check(try await c.info(vm).state == .running, "not running after the second unpause")
            }
        },
        ConformanceCase(name: "lifecycle.paused-guest-cannot-acknowledge", requires: [.bootableGuest]) { c in
            let spec = c.spec(name: "noack")
            try await c.withDomain(spec) { _ in
                try await expectFailure("a shutdown request to a paused guest", {
                    try await c.hypervisor.requestShutdown(vm: spec.vm.id, reason: .poweroff, ackTimeout: 1)
                }) { $0 == .xenops(.failedToAcknowledgeShutdownRequest) }
            }
        },
        ConformanceCase(name: "lifecycle.wait-times-out-and-cancels", requires: [.bootableGuest]) { c in
            let spec = c.spec(name: "wait")
            try await c.withDomain(spec) { _ in
                let vm = spec.vm.id
                try await expectFailure("waitForShutdown of a paused guest", { _ = try await c.hypervisor.waitForShutdown(vm: vm, timeout: 0.5) }) {
                    $0 == .xenops(.failedToShutdown(vm: vm, timeout: 0.5))
                }
                let waiter = Task { try await c.hypervisor.waitForShutdown(vm: vm, timeout: 3600) }
                try await Task.sleep(for: .milliseconds(200))
                let start = ContinuousClock.now
                waiter.cancel()
                let result = await waiter.result
                try check(ContinuousClock.now - start < .seconds(5), "waitForShutdown took \(ContinuousClock.now - start) to notice cancellation")
                if case .success = result { throw CaseFailure(description: "a cancelled waitForShutdown returned a reason") }
            }
        },
        ConformanceCase(name: "lifecycle.clean-shutdown", requires: [.bootableGuest]) { c in
            try await guestRequest(c, .poweroff, expect: .poweroff)
        },
        ConformanceCase(name: "lifecycle.clean-reboot", requires: [.bootableGuest]) { c in
            try await guestRequest(c, .reboot, expect: .reboot)
        },
        ConformanceCase(name: "lifecycle.save-restore", requires: [.bootableGuest]) { c in
            let spec = c.spec(name: "save")
            let vm = spec.vm.id
            let path = (c.guest.diskDirectory as NSString).appendingPathComponent("xenops-conformance-\(vm.prefix(8)).save")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await c.withDomain(spec) { _ in
                try await c.hypervisor.unpause(vm: vm)
                try await bootDelay(c)
                let out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                try check(out >= 0, "cannot open \(path)")
                defer { close(out) }
                try await c.hypervisor.save(vm: vm, to: out, live: false)
                let state = try await c.info(vm).state
                try check(state == .shutdown(.suspend), "the saved domain is \(state), not shut down (suspend)")
            }
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            try check(size > 0, "the save image is empty")
            let input = open(path, O_RDONLY | O_CLOEXEC)
            try check(input >= 0, "cannot reopen \(path)")
            defer { close(input) }
            let restored = try await c.hypervisor.restore(spec, from: input)
            do {
                try check(restored.state == .paused, "the restored domain is \(restored.state), not paused")
                try await c.hypervisor.unpause(vm: vm)
                try check(try await c.info(vm).state == .running, "the restored domain does not run")
            } catch {
                try? await c.hypervisor.destroy(vm: vm)
                throw error
            }
            try await c.hypervisor.destroy(vm: vm)
        },
        ConformanceCase(name: "lifecycle.vcpus-and-memory", requires: [.bootableGuest]) { c in
            let spec = c.spec(name: "resources", vcpuMax: 2, memoryMiB: 256)
            try await c.withDomain(spec) { _ in
                let vm = spec.vm.id
                try await expectFailure("3 vCPUs of 2", { try await c.hypervisor.setVcpus(vm: vm, count: 3) }) { $0 == .xenops(.invalidVcpus(3)) }
                try await c.hypervisor.setVcpus(vm: vm, count: 2)
                try await c.hypervisor.setMemoryTarget(vm: vm, bytes: 192 << 20)
                let target = try await c.info(vm).memoryTarget
                try check(target == 192 << 20, "memory target is \(target), not \(192 << 20)")
            }
        },
    ]

    /// Boots the guest, asks it to power off or reboot, and checks it does.
    static func guestRequest(_ c: ConformanceContext, _ request: ShutdownRequest, expect reason: ShutdownReason) async throws {
        let spec = c.spec(name: request.rawValue)
        let vm = spec.vm.id
        try await c.withDomain(spec) { info in
            try await c.hypervisor.unpause(vm: vm)
            try await bootDelay(c)
            try await c.hypervisor.requestShutdown(vm: vm, reason: request, ackTimeout: c.seconds(60))
            let got = try await c.hypervisor.waitForShutdown(vm: vm, timeout: c.seconds(120))
            try check(got == reason, "the guest shut down with \(got), not \(reason)")
            try await c.events.waitFor("domainShutdown", timeout: c.seconds(10)) { $0 == .domainShutdown(vm: vm, domid: info.domid, reason: reason) }
        }
    }

    /// Gives a real guest time to boot far enough to answer xenstore requests.
    static func bootDelay(_ c: ConformanceContext) async throws {
        if c.hypervisor.kind != "simulator" { try await Task.sleep(for: .seconds(c.seconds(10))) }
    }
}

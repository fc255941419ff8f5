import Foundation
import XenopsBackend
import XenopsCore

/// One conformance case: a name, what it needs, and its body.
struct ConformanceCase: Sendable {
    enum Requirement: Sendable, Hashable {
        /// A domain must really boot (on libxl: a guest kernel was given).
        case bootableGuest
        /// The NIC bridge must exist in dom0.
        case bridge
    }

    var name: String
    var requires: Set<Requirement> = []
    var body: @Sendable (ConformanceContext) async throws -> Void
}

/// Why a case failed, in words.
struct CaseFailure: Error, CustomStringConvertible {
    var description: String
}

/// What a case gets: the backend, its event recorder, and how to build test guests.
struct ConformanceContext: Sendable {
    let hypervisor: any Hypervisor
    let events: EventRecorder
    let guest: TestGuest
    /// Multiplies every wait (nested Xen under TCG is slow).
    let timeScale: Double

    func seconds(_ s: Double) -> Double { s * timeScale }

    /// A fresh VM spec for the test guest, with a new uuid.
    func spec(name: String, vcpuMax: Int = 1, memoryMiB: Int64 = 128) -> DomainSpec {
        guest.spec(name: name, vcpuMax: vcpuMax, memoryMiB: memoryMiB)
    }

    /// Creates a domain, runs `body`, and destroys the domain whatever happens.
    func withDomain(_ spec: DomainSpec, _ body: (DomainInfo) async throws -> Void) async throws {
        let info = try await hypervisor.createDomain(spec)
        do {
            try await body(info)
        } catch {
            try? await hypervisor.destroy(vm: spec.vm.id)
            throw error
        }
        try await hypervisor.destroy(vm: spec.vm.id)
    }

    /// The current domain of `vm`, or a failure.
    func info(_ vm: String) async throws -> DomainInfo {
        guard let i = try await hypervisor.domainInfo(vm: vm) else { throw CaseFailure(description: "VM \(vm) has no domain") }
        return i
    }

    /// Polls until `condition` holds for the VM's domain, or fails after `timeout` seconds.
    func waitUntil(_ what: String, vm: String, timeout: Double, _ condition: @Sendable (DomainInfo?) -> Bool) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds(timeout)))
        while true {
            if condition(try await hypervisor.domainInfo(vm: vm)) { return }
            if ContinuousClock.now >= deadline { throw CaseFailure(description: "timed out after \(seconds(timeout)) s waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Checks for case bodies.
func check(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw CaseFailure(description: message()) }
}

/// Expects `body` to throw a ``BackendError`` matching `predicate`.
func expectFailure(_ what: String, _ body: () async throws -> Void, where predicate: (BackendError) -> Bool) async throws {
    do {
        try await body()
    } catch let e as BackendError {
        try check(predicate(e), "\(what): unexpected error \(e)")
        return
    } catch {
        throw CaseFailure(description: "\(what): expected a BackendError, got \(error)")
    }
    throw CaseFailure(description: "\(what): succeeded but should have failed")
}

import Foundation
import XenopsBackend

/// Everything a ``SimulatedHypervisor`` holds under its lock. Only ``world`` is persisted;
/// the rest (knobs, guests in the middle of a shutdown, history, console) is process state.
struct SimulatorState: Sendable {
    var world: SimulatedWorld
    var faults: [FaultRule] = []
    var defaultBehaviour: GuestBehaviour
    var behaviours: [String: GuestBehaviour] = [:]
    /// Shutdown requests written for a guest (xenstore's `control/shutdown`), by VM uuid.
    var pendingRequests: [String: PendingRequest] = [:]
    /// Simulated guests working towards a shutdown, by VM uuid.
    var guestTasks: [String: Task<Void, Never>] = [:]
    var calls: [SimulatorCall] = []
    var console: ConsoleRing
    var closed = false
    /// Bumped by every change of ``world``; the state file is durable up to some version.
    var version: UInt64 = 0

    func behaviour(for vm: String) -> GuestBehaviour { behaviours[vm] ?? defaultBehaviour }

    mutating func record(_ call: SimulatorCall, limit: Int) {
        calls.append(call)
        // Trim in batches so a long run does not pay O(n) on every call.
        if calls.count > limit + max(1, limit / 4) { calls.removeFirst(calls.count - limit) }
    }

    /// The injected error for this call, if a rule matches (consuming one use of it).
    mutating func takeFault(_ operation: SimulatedOperation, vm: String?) -> BackendError? {
        guard let index = faults.firstIndex(where: { $0.matches(operation, vm: vm) }) else { return nil }
        let error = faults[index].error
        if let remaining = faults[index].remaining {
            if remaining <= 1 { faults.remove(at: index) } else { faults[index].remaining = remaining - 1 }
        }
        return error
    }

    /// Stops the simulated guest of `vm` and forgets its pending request.
    mutating func forgetGuest(_ vm: String) {
        guestTasks.removeValue(forKey: vm)?.cancel()
        pendingRequests[vm] = nil
    }
}

/// A shutdown request waiting for (or given) the guest's acknowledgement.
struct PendingRequest: Sendable {
    /// The domain the request was made to (a later domain of the same VM is a different guest).
    var domid: Int
    var request: ShutdownRequest
    var acknowledged = false
}

/// An injected failure: which calls it hits and how often.
struct FaultRule: Sendable {
    var operation: SimulatedOperation
    /// Only calls about this VM, or every call when nil.
    var vm: String?
    var error: BackendError
    /// Uses left, or nil for "always".
    var remaining: Int?

    func matches(_ operation: SimulatedOperation, vm: String?) -> Bool {
        self.operation == operation && (self.vm == nil || self.vm == vm)
    }
}

/// The hypervisor console (`xl dmesg`): a bounded ring of timestamped lines.
struct ConsoleRing: Sendable {
    let capacity: Int
    let start: ContinuousClock.Instant
    private(set) var lines: [String] = []

    init(capacity: Int, start: ContinuousClock.Instant = .now) {
        self.capacity = max(1, capacity)
        self.start = start
    }

    mutating func append(_ message: String) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        lines.append("(XEN) [" + String(format: "%12.6f", seconds) + "] " + message)
        if lines.count > capacity + max(1, capacity / 4) { lines.removeFirst(lines.count - capacity) }
    }

    var text: String { lines.suffix(capacity).joined(separator: "\n") + (lines.isEmpty ? "" : "\n") }
}

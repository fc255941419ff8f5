import Synchronization
import XenopsBackend
import XenopsCore

/// A `HookRunning` for engine tests: records every hook the engine runs, and fails the hooks
/// a test names.
public final class RecordingHookRunner: HookRunning {
    /// One hook run.
    public struct Call: Sendable, Hashable, CustomStringConvertible {
        public var hook: Hook
        public var vm: String
        public var reason: HookReason
        public var domid: Int?

        public init(hook: Hook, vm: String, reason: HookReason, domid: Int?) {
            self.hook = hook
            self.vm = vm
            self.reason = reason
            self.domid = domid
        }

        /// `"<hook> <reason>"`, what most tests compare.
        public var description: String { "\(hook.rawValue) \(reason.rawValue)" }
    }

    private struct State {
        var calls: [Call] = []
        var failures: [Hook: XenopsError] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Every run so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// The runs for `vm`, as `"<hook> <reason>"`.
    public func names(for vm: String) -> [String] { calls.filter { $0.vm == vm }.map(\.description) }

    /// From now on, runs of `hook` are recorded and then throw `error`.
    public func fail(_ hook: Hook, with error: XenopsError) {
        state.withLock { $0.failures[hook] = error }
    }

    public func reset() {
        state.withLock { $0 = State() }
    }

    public func run(_ hook: Hook, vm: String, reason: HookReason, domid: Int?) async throws(XenopsError) {
        let failure = state.withLock { s -> XenopsError? in
            s.calls.append(Call(hook: hook, vm: vm, reason: reason, domid: domid))
            return s.failures[hook]
        }
        if let failure { throw failure }
    }
}

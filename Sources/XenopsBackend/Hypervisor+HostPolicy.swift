import XenopsCore

/// Defaults for the host-policy capabilities: a backend that does not provide one answers with
/// ``BackendError/unsupported(operation:backend:reason:)`` (`Unimplemented` on the wire), never a
/// made-up result.
extension Hypervisor {
    public func sendDebugKeys(_ keys: String) async throws {
        throw unsupported("sendDebugKeys", "this backend cannot send Xen debug keys")
    }

    public func combineCPUFeaturesets(_ a: CPUFeatureset, _ b: CPUFeatureset) async throws -> CPUFeatureset {
        throw unsupported("combineCPUFeaturesets", "this backend has no CPU policy support")
    }

    public func checkCPUCompatibility(vm: CPUFeatureset, host: CPUFeatureset) async throws -> CPUCompatibility {
        throw unsupported("checkCPUCompatibility", "this backend has no CPU policy support")
    }
}

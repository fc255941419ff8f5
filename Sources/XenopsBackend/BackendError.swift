import XenopsCore

/// A failure inside a hypervisor backend.
public enum BackendError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A failure that has an exact xenops meaning (`Not_enough_memory`, `Failed_to_shutdown`, …).
    case xenops(XenopsError)
    /// The backend cannot do this at all (a capability it lacks).
    case unsupported(operation: String, backend: String, reason: String)
    /// The VM has no domain.
    case noDomain(vm: String)
    /// The named device is not attached.
    case noDevice(vm: String, device: String)
    /// The backend call failed: which call, the backend's code and text, and what to do.
    case failed(operation: String, code: Int, detail: String, remedy: String)
    /// The calling task was cancelled while waiting.
    case cancelled(operation: String)

    public var description: String {
        switch self {
        case .xenops(let e): return e.message
        case .unsupported(let op, let backend, let reason): return "\(op) is not supported by the \(backend) backend: \(reason)"
        case .noDomain(let vm): return "VM \(vm) has no domain"
        case .noDevice(let vm, let device): return "device \(device) is not attached to the domain of VM \(vm)"
        case .failed(let op, let code, let detail, let remedy): return "\(op) failed (code \(code)): \(detail). \(remedy)"
        case .cancelled(let op): return "\(op) was cancelled"
        }
    }

    /// The xenops error this failure is reported as on the API.
    public func asXenopsError(task: String? = nil) -> XenopsError {
        switch self {
        case .xenops(let e): return e
        // The reason says what is missing and what to install: it must reach the caller.
        case .unsupported(let op, let backend, let reason): return .unimplemented("\(op) (\(backend) backend): \(reason)")
        case .noDomain: return .domainNotBuilt
        case .noDevice: return .deviceNotConnected
        case .failed: return .internalError(description)
        case .cancelled: return .cancelled(task: task ?? "")
        }
    }
}

extension Hypervisor {
    /// Default for an operation a backend does not implement.
    public func unsupported(_ operation: String, _ reason: String = "not implemented yet") -> BackendError {
        .unsupported(operation: operation, backend: kind, reason: reason)
    }
}

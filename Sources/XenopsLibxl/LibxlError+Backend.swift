import XenopsBackend
import XenopsCore

extension LibxlError {
    /// The ``BackendError`` this failure is reported as, for the xenops `operation` on `vm`.
    ///
    /// Codes with an exact xenops meaning become ``BackendError/xenops(_:)`` (or
    /// ``BackendError/noDomain(vm:)``/``BackendError/cancelled(operation:)``); everything else
    /// is ``BackendError/failed(operation:code:detail:remedy:)`` naming the libxl function.
    ///
    /// - Parameters:
    ///   - neededBytes: the memory the operation needed, for `ERROR_NOMEM` (0 if unknown).
    public func backendError(operation: String, vm: String? = nil, neededBytes: Int64 = 0) -> BackendError {
        switch code {
        case .noMemory:
            return .xenops(.notEnoughMemory(neededBytes))
        case .domainNotFound, .domainDestroyed:
            if let vm { return .noDomain(vm: vm) }
        case .aborted:
            return .cancelled(operation: operation)
        default:
            break
        }
        return .failed(operation: "\(operation) (\(function))", code: Int(rc), detail: detailForBackend, remedy: remedy)
    }

    /// libxl's name and message, plus errno, for ``BackendError/failed(operation:code:detail:remedy:)``.
    var detailForBackend: String {
        var s = "libxl error \(name)"
        if !detail.isEmpty { s += ": \(detail)" }
        if errno != 0 { s += " [errno \(errno)]" }
        return s
    }
}

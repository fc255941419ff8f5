import CXenLight
import XenopsBackend
import XenopsCore

/// Why part of a VM cannot be turned into a libxl configuration.
///
/// The translation never drops a setting that changes what the guest sees: it either maps it
/// to a libxl option or fails with this error, naming the field, the reason and the fix.
public struct TranslationError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// libxl (or this daemon) cannot do it at all.
        case unsupported
        /// The value is malformed or out of range.
        case invalid
        /// A failure with an exact xenops meaning (e.g. `Invalid_vcpus`).
        case xenops(XenopsError)
    }

    public var kind: Kind
    /// The xenops field, e.g. `"VBD xvdb: backend"` or `"hvm_info.video"`.
    public var field: String
    public var reason: String
    public var remedy: String

    public init(_ kind: Kind, field: String, reason: String, remedy: String) {
        self.kind = kind
        self.field = field
        self.reason = reason
        self.remedy = remedy
    }

    static func unsupported(_ field: String, _ reason: String, remedy: String) -> TranslationError {
        .init(.unsupported, field: field, reason: reason, remedy: remedy)
    }

    static func invalid(_ field: String, _ reason: String, remedy: String) -> TranslationError {
        .init(.invalid, field: field, reason: reason, remedy: remedy)
    }

    public var description: String { "\(field): \(reason). \(remedy)" }

    /// The ``BackendError`` for the xenops `operation` that needed the translation.
    public func backendError(operation: String) -> BackendError {
        switch kind {
        case .unsupported:
            return .unsupported(operation: operation, backend: "libxl", reason: description)
        case .invalid:
            return .failed(operation: operation, code: Int(ERROR_INVAL.rawValue), detail: "\(field): \(reason)", remedy: remedy)
        case .xenops(let e):
            return .xenops(e)
        }
    }
}

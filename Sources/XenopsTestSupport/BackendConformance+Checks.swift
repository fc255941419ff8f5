import XenopsBackend
import XenopsCore

/// Assertions for the conformance cases. They throw ``ConformanceFailure``, so the cases need
/// no test framework.
enum Verify {
    static func that(_ condition: Bool, _ message: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line) throws {
        if !condition { throw ConformanceFailure(message(), fileID: fileID, line: line) }
    }

    static func equal<T: Equatable>(
        _ actual: T, _ expected: T, _ what: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line
    ) throws {
        if actual != expected {
            throw ConformanceFailure("\(what()): expected \(expected), got \(actual)", fileID: fileID, line: line)
        }
    }

    static func unwrap<T>(_ value: T?, _ what: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line) throws -> T {
        guard let value else { throw ConformanceFailure("\(what()): got nil", fileID: fileID, line: line) }
        return value
    }

    /// Runs `body`, which must throw an error that `accept` accepts.
    static func throwsError(
        _ what: String, fileID: String = #fileID, line: Int = #line,
        accept: (any Error) -> Bool, _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch {
            if !accept(error) {
                throw ConformanceFailure("\(what): threw an unexpected error: \(error)", fileID: fileID, line: line)
            }
            return
        }
        throw ConformanceFailure("\(what): did not throw", fileID: fileID, line: line)
    }
}

/// The errors the contract allows for each situation.
enum ExpectedError {
    /// "There is no domain for this VM", in any of the forms the contract allows.
    static func isNoDomain(_ error: any Error) -> Bool {
        switch error as? BackendError {
        case .noDomain?: return true
        case .xenops(.doesNotExist)?, .xenops(.domainNotBuilt)?: return true
        default: return false
        }
    }

    static func isNoDevice(_ error: any Error) -> Bool {
        switch error as? BackendError {
        case .noDevice?, .xenops(.deviceNotConnected)?, .xenops(.doesNotExist)?: return true
        default: return false
        }
    }

    static func isInvalidVcpus(_ error: any Error, _ n: Int) -> Bool {
        if case .xenops(.invalidVcpus(let m))? = error as? BackendError { return m == n }
        return false
    }

    static func isUnimplemented(_ error: any Error) -> Bool {
        if case .xenops(.unimplemented)? = error as? BackendError { return true }
        return false
    }

    /// "This backend or host cannot do that".
    static func isUnsupported(_ error: any Error) -> Bool {
        if case .unsupported? = error as? BackendError { return true }
        return false
    }

    /// Any ``BackendError`` (backends throw only these).
    static func isBackendError(_ error: any Error) -> Bool { error is BackendError }
}

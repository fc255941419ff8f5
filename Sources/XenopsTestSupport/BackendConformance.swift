import XenopsBackend
import XenopsCore

/// The behaviour every ``Hypervisor`` backend must show, as a list of checks written against
/// the protocol only.
///
/// The simulator's tests run every case against a fresh `SimulatedHypervisor`; the libxl
/// backend runs the same cases inside a real Xen dom0. The cases use no test framework: each
/// throws ``ConformanceFailure`` when a check fails, so any runner can drive them.
///
/// ```swift
/// let context = ConformanceContext(hypervisor: backend, settings: settings)
/// for c in BackendConformance.cases { try await c.run(in: context) }
/// ```
public enum BackendConformance {
    /// One conformance check.
    public struct Case: Sendable, CustomStringConvertible {
        /// A short identifier, e.g. `"save-restore-file"`.
        public let name: String
        /// What the case checks, in one sentence.
        public let summary: String
        /// The check itself. It creates domains only from specs made by
        /// ``ConformanceContext/makeSpec(name:hvm:vcpus:vcpuMax:memoryBytes:)``, so that
        /// ``run(in:)`` can clean them up.
        public let body: @Sendable (ConformanceContext) async throws -> Void

        /// A case named `name` that checks `summary` by running `body`.
        public init(_ name: String, _ summary: String, body: @escaping @Sendable (ConformanceContext) async throws -> Void) {
            self.name = name
            self.summary = summary
            self.body = body
        }

        /// The name, so runners (and swift-testing's arguments) show it.
        public var description: String { name }

        /// Runs the case in a fresh scope of `context`, then destroys every domain the case
        /// made a spec for, even when the check failed. A check failure is thrown in preference
        /// to a cleanup failure.
        public func run(in context: ConformanceContext) async throws {
            let scope = context.scoped()
            let outcome: Result<Void, any Error>
            do {
                try await body(scope)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            let cleanupProblems = await scope.cleanUp()
            try outcome.get()
            if !cleanupProblems.isEmpty {
                throw ConformanceFailure("\(name): cleanup failed: " + cleanupProblems.joined(separator: "; "))
            }
        }
    }

    /// Every case, in a sensible order for a sequential run.
    public static let cases: [Case] = hostCases + hostPolicyCases + lifecycleCases + guestCases + saveRestoreCases + deviceCases + guestAgentCases + errorCases
}

/// A conformance check that did not hold.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// What did not hold.
    public var message: String
    /// Where in the suite the check is.
    public var location: String

    /// A failure at the caller's location.
    public init(_ message: String, fileID: String = #fileID, line: Int = #line) {
        self.message = message
        location = "\(fileID):\(line)"
    }

    /// The message and where the check is.
    public var description: String { "\(message) (\(location))" }
}

/// A case that cannot run on this backend or host (e.g. HVM on a host without VMX/SVM).
/// Runners should report it as skipped, not failed.
public struct ConformanceSkip: Error, Sendable, CustomStringConvertible {
    /// Why the case cannot run here.
    public var reason: String
    /// A skip for `reason`.
    public init(_ reason: String) { self.reason = reason }
    /// `skipped: <reason>`.
    public var description: String { "skipped: \(reason)" }
}

import CXenLight
import Synchronization
import XenGlue

/// Bridges libxl asynchronous operations (`ao_how` with a callback) to Swift continuations.
///
/// Each operation gets a fresh integer token, passed to libxl as `for_callback`; the
/// completion callback looks the token up here. Tokens are never reused, so an abort or a late
/// completion can never hit another operation (libxl-notes §6.4). The registry also keeps
/// alive whatever libxl reads until completion (the domain config, the domid out-pointer).
final class AsyncOperations: Sendable {
    /// The one registry: C callbacks cannot capture, so they reach it as a global.
    static let shared = AsyncOperations()

    struct Entry {
        var continuation: CheckedContinuation<Result<Void, LibxlError>, Never>?
        var function: String
        var keepAlive: (any Sendable)?
        var cancelled = false
        /// Set when completion arrives before the continuation is registered.
        var early: Result<Void, LibxlError>?
    }

    private struct State {
        var next: UInt = 1
        var entries: [UInt: Entry] = [:]
    }

    private let state = Mutex(State())

    /// A new token for `function`, holding `keepAlive` until completion.
    func reserve(_ function: String, keepAlive: (any Sendable)?) -> UInt {
        state.withLock { s in
            let token = s.next
            s.next += 1
            s.entries[token] = Entry(function: function, keepAlive: keepAlive)
            return token
        }
    }

    /// Waits for the operation's completion. Call once per token.
    func wait(_ token: UInt) async -> Result<Void, LibxlError> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { s -> Result<Void, LibxlError>? in
                guard var e = s.entries[token] else {
                    return .failure(LibxlError(function: "libxl async operation", rc: LibxlErrorCode.fail.rawValue, detail: "unknown token \(token)"))
                }
                if let early = e.early {
                    s.entries[token] = nil
                    return early
                }
                e.continuation = continuation
                s.entries[token] = e
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Completes the operation (from the libxl callback, or after a failed initiation).
    func complete(_ token: UInt, _ result: Result<Void, LibxlError>) {
        let continuation = state.withLock { s -> CheckedContinuation<Result<Void, LibxlError>, Never>? in
            guard var e = s.entries[token] else { return nil }
            guard let c = e.continuation else {
                e.early = result
                s.entries[token] = e
                return nil
            }
            s.entries[token] = nil
            return c
        }
        continuation?.resume(returning: result)
    }

    /// Completes with libxl's rc, naming the operation's function. `message` is libxl's last
    /// error on the completing thread (where libxl usually logged why it failed).
    func complete(_ token: UInt, rc: Int32, message: String = "") {
        let function = state.withLock { $0.entries[token]?.function } ?? "libxl async operation"
        let detail = message.isEmpty ? Self.noMessage : message
        complete(token, rc == 0 ? .success(()) : .failure(LibxlError(function: function, rc: rc, detail: detail)))
    }

    /// Marks the token cancelled; returns false if it has already completed.
    func markCancelled(_ token: UInt) -> Bool {
        state.withLock { s in
            guard s.entries[token] != nil, s.entries[token]?.early == nil else { return false }
            s.entries[token]?.cancelled = true
            return true
        }
    }

    func isCancelled(_ token: UInt) -> Bool {
        state.withLock { $0.entries[token]?.cancelled ?? false }
    }

    /// Operations started and not yet waited for.
    var inFlight: Int { state.withLock { $0.entries.count } }

    /// The detail of a failure libxl reported without a message on the completing thread.
    static let noMessage = "reported on completion; the libxl messages in the daemon log say more"

    /// The `ao_how` for a token (identical values are how `libxl_ao_abort` finds an operation).
    static func how(_ token: UInt) -> libxl_asyncop_how {
        var how = libxl_asyncop_how()
        how.callback = libxlAsyncOperationDone
        how.u.for_callback = UnsafeMutableRawPointer(bitPattern: token)
        return how
    }
}

/// libxl's completion callback for every asynchronous operation. Runs on any thread inside a
/// libxl call: resumes a continuation and returns; never blocks, never calls libxl.
func libxlAsyncOperationDone(_ ctx: OpaquePointer?, _ rc: Int32, _ user: UnsafeMutableRawPointer?) {
    var message = ""
    if rc != 0 {
        message = String(cString: xg_last_error())
        xg_last_error_clear()
    }
    AsyncOperations.shared.complete(UInt(bitPattern: user), rc: rc, message: message)
}

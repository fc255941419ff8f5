import CXenLight
import Glibc
import XenGlue

/// A failed libxl call: which function, libxl's code and name, errno, libxl's own last error
/// message on that thread, and what to do.
///
/// Every libxl return code goes through ``LibxlError/check(_:_:context:)``; the error becomes a
/// ``XenopsBackend/BackendError`` at the module edge (``backendError(operation:vm:)``).
public struct LibxlError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The libxl function that failed, e.g. `"libxl_domain_pause"`.
    public var function: String
    /// The return code (a `libxl_error`, or another negative value for a few calls).
    public var rc: Int32
    /// errno right after the call (0 if unset).
    public var errno: Int32
    /// libxl's last error-level log message on the calling thread, or our own explanation.
    public var detail: String
    /// What the operator should do.
    public var remedy: String

    /// Creates an error; `remedy` defaults to the code's ``LibxlErrorCode/remedy``.
    public init(function: String, rc: Int32, errno: Int32 = 0, detail: String = "", remedy: String? = nil) {
        self.function = function
        self.rc = rc
        self.errno = errno
        self.detail = detail
        self.remedy = remedy ?? LibxlErrorCode(rc: rc)?.remedy ?? LibxlErrorCode.fail.remedy
    }

    /// The code, if `rc` is one of libxl's.
    public var code: LibxlErrorCode? { LibxlErrorCode(rc: rc) }
    /// libxl's name for the code: `"ERROR_FAIL"`, `"ERROR_NOPARAVIRT"`, ….
    public var name: String { LibxlErrorCode.libxlName(rc: rc) }

    public var description: String {
        var s = "\(function) failed: \(name) (rc \(rc))"
        if errno != 0 { s += ", errno \(errno) (\(String(cString: strerror(errno))))" }
        if !detail.isEmpty { s += ": \(detail)" }
        return s + ". " + remedy
    }

    /// Throws a ``LibxlError`` naming `function` if `rc` is not zero (libxl's success).
    ///
    /// Call it right after the libxl call, on the same thread: it reads errno and the thread's
    /// last libxl error message (then clears that message).
    ///
    /// - Parameters:
    ///   - context: words to put before libxl's own message (e.g. `"domain 7"`).
    @discardableResult
    public static func check(_ rc: Int32, _ function: String, context: String = "") throws(LibxlError) -> Int32 {
        guard rc != 0 else { return 0 }
        throw capture(rc: rc, function: function, context: context)
    }

    /// Like ``check(_:_:context:)`` for calls that return a non-negative value on success.
    @discardableResult
    public static func checkNonNegative(_ rc: Int32, _ function: String, context: String = "") throws(LibxlError) -> Int32 {
        guard rc < 0 else { return rc }
        throw capture(rc: rc, function: function, context: context)
    }

    /// Throws if a libxl call that returns a pointer returned NULL (such calls report no code:
    /// `ERROR_FAIL` is used).
    public static func checkPointer<P>(_ p: P?, _ function: String, context: String = "") throws(LibxlError) -> P {
        guard let p else { throw capture(rc: LibxlErrorCode.fail.rawValue, function: function, context: context) }
        return p
    }

    /// Builds the error from the current thread's errno and last libxl message.
    static func capture(rc: Int32, function: String, context: String) -> LibxlError {
        let savedErrno = Glibc.errno
        let libxlMessage = String(cString: xg_last_error())
        xg_last_error_clear()
        let detail = [context, libxlMessage].filter { !$0.isEmpty }.joined(separator: ": ")
        return LibxlError(function: function, rc: rc, errno: savedErrno, detail: detail)
    }

    /// Forgets the calling thread's last libxl error message (call before a libxl call whose
    /// failure will be checked, so an older message is not blamed).
    static func clearThreadMessage() { xg_last_error_clear() }
}

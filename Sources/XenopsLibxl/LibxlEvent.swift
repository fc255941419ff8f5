import CXenLight
import XenopsCore

/// A libxl event, copied out of libxl's `libxl_event` (which is freed at once).
public enum LibxlEvent: Sendable, Hashable {
    /// `LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN`: the domain shut down (not yet destroyed).
    case domainShutdown(domid: UInt32, uuid: String, reason: ShutdownReason)
    /// `LIBXL_EVENT_TYPE_DOMAIN_DEATH`: the domain is gone.
    case domainDeath(domid: UInt32, uuid: String)
    /// `LIBXL_EVENT_TYPE_DISK_EJECT`: the guest ejected the media of CD drive `vdev`.
    case diskEject(domid: UInt32, uuid: String, vdev: String)
    /// libxl reported that it may have lost events (its `disaster` hook).
    case disaster(message: String, errno: Int32)
    /// Any other event type (not expected: only the above are enabled).
    case other(type: UInt32, domid: UInt32)

    /// Copies the fields of a libxl event.
    init(_ e: libxl_event) {
        let uuid = LibxlUUID.string(e.domuuid)
        switch e.type {
        case LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN:
            self = .domainShutdown(domid: e.domid, uuid: uuid, reason: ShutdownReason(libxl: Int32(e.u.domain_shutdown.shutdown_reason)))
        case LIBXL_EVENT_TYPE_DOMAIN_DEATH:
            self = .domainDeath(domid: e.domid, uuid: uuid)
        case LIBXL_EVENT_TYPE_DISK_EJECT:
            self = .diskEject(domid: e.domid, uuid: uuid, vdev: CMemory.swiftString(e.u.disk_eject.vdev) ?? "")
        default:
            self = .other(type: e.type.rawValue, domid: e.domid)
        }
    }
}

extension ShutdownReason {
    /// The reason for a `libxl_shutdown_reason` value (Xen's `SHUTDOWN_*` code).
    init(libxl code: Int32) {
        switch code {
        case LIBXL_SHUTDOWN_REASON_POWEROFF.rawValue: self = .poweroff
        case LIBXL_SHUTDOWN_REASON_REBOOT.rawValue: self = .reboot
        case LIBXL_SHUTDOWN_REASON_SUSPEND.rawValue: self = .suspend
        case LIBXL_SHUTDOWN_REASON_CRASH.rawValue: self = .crash
        case LIBXL_SHUTDOWN_REASON_WATCHDOG.rawValue: self = .watchdog
        case LIBXL_SHUTDOWN_REASON_SOFT_RESET.rawValue: self = .softReset
        default: self = .unknown
        }
    }
}

/// Receives libxl's events (through the `event_occurs` hook) and publishes them as a stream.
final class LibxlEventSink: Sendable {
    let ctx: LibxlContextPointer
    /// Every event, in the order libxl reported them. One consumer.
    let stream: AsyncStream<LibxlEvent>
    let continuation: AsyncStream<LibxlEvent>.Continuation

    init(ctx: LibxlContextPointer) {
        self.ctx = ctx
        (stream, continuation) = AsyncStream.makeStream(of: LibxlEvent.self, bufferingPolicy: .unbounded)
    }

    func deliver(_ event: UnsafeMutablePointer<libxl_event>) {
        let copy = LibxlEvent(event.pointee)
        libxl_event_free(ctx.raw, event)
        continuation.yield(copy)
    }

    func disaster(type: libxl_event_type, message: String, errno: Int32) {
        continuation.yield(.disaster(message: "event type \(type.rawValue): \(message)", errno: errno))
    }

    func finish() { continuation.finish() }
}

/// libxl's `event_occurs` hook. Runs on any thread inside a libxl call: copies, frees, yields;
/// never blocks. A nonisolated global function, as every C callback must be.
func libxlEventOccurs(_ user: UnsafeMutableRawPointer?, _ event: UnsafeMutablePointer<libxl_event>?) {
    guard let user, let event else { return }
    Unmanaged<LibxlEventSink>.fromOpaque(user).takeUnretainedValue().deliver(event)
}

/// libxl's `disaster` hook: libxl could not report events. Must not call libxl.
func libxlEventDisaster(_ user: UnsafeMutableRawPointer?, _ type: libxl_event_type, _ message: UnsafePointer<CChar>?, _ errnoval: Int32) {
    guard let user else { return }
    Unmanaged<LibxlEventSink>.fromOpaque(user).takeUnretainedValue()
        .disaster(type: type, message: CMemory.swiftString(message) ?? "", errno: errnoval)
}

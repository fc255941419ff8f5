import CXenLight

/// libxl's `libxl_error` codes (`_libxl_types.h`), as a Swift enum with the words to explain them.
///
/// libxl returns these as plain negative `int`s; ``init(rc:)`` maps any other value to `nil`.
public enum LibxlErrorCode: Int32, Sendable, Hashable, CaseIterable {
    case nonspecific = -1
    case version = -2
    case fail = -3
    case notImplemented = -4
    case noMemory = -5
    case invalid = -6
    case badFail = -7
    case guestTimedOut = -8
    case timedOut = -9
    case noParavirt = -10
    case notReady = -11
    case oseventRegistrationFailed = -12
    case bufferFull = -13
    case unknownChild = -14
    case lockFailed = -15
    case jsonConfigEmpty = -16
    case deviceExists = -17
    case checkpointDevopsDoNotMatch = -18
    case checkpointDeviceNotSupported = -19
    case vnumaConfigInvalid = -20
    case domainNotFound = -21
    case aborted = -22
    case notFound = -23
    case domainDestroyed = -24
    case featureRemoved = -25
    case qmpProtocolError = -26
    case qmpUnknownError = -27
    case qmpGenericError = -28
    case qmpCommandNotFound = -29
    case qmpDeviceNotActive = -30
    case qmpDeviceNotFound = -31
    case qemuAPI = -32

    /// The code for a libxl return value, or nil if `rc` is not a libxl error code.
    public init?(rc: Int32) { self.init(rawValue: rc) }

    /// The code's name as in libxl's headers (`"ERROR_FAIL"`, `"ERROR_NOPARAVIRT"`, …), from
    /// `libxl_error_to_string`.
    public var libxlName: String { Self.libxlName(rc: rawValue) }

    /// libxl's name for any return value, or `"UNKNOWN(<rc>)"` when libxl has none.
    public static func libxlName(rc: Int32) -> String {
        guard let p = libxl_error_to_string(libxl_error(rawValue: rc)) else { return "UNKNOWN(\(rc))" }
        return "ERROR_" + String(cString: p).uppercased()
    }

    /// What to do about a failure with this code, in one line.
    public var remedy: String {
        switch self {
        case .nonspecific, .fail, .badFail:
            return "See the libxl messages in the daemon log (and /var/log/xen/) for the cause."
        case .version:
            return "The installed libxenlight does not match the headers this daemon was built with: reinstall matching Xen tool packages and rebuild."
        case .notImplemented, .featureRemoved:
            return "This Xen/libxl version does not provide the operation; upgrade the Xen tools or avoid the feature."
        case .noMemory:
            return "Free host memory (shut down or balloon down other VMs, or lower dom0's memory) or give the VM less memory."
        case .invalid, .vnumaConfigInvalid, .jsonConfigEmpty:
            return "libxl rejected a value of the VM configuration; correct the VM's settings."
        case .guestTimedOut:
            return "The guest did not respond in time: check that it runs its PV drivers, or use a hard shutdown."
        case .timedOut:
            return "The operation timed out: check dom0 load and that xenstored and the device model are healthy, then retry."
        case .noParavirt:
            return "The guest has no PV control interface (no PV drivers): use a hard shutdown or reboot instead."
        case .notReady:
            return "The domain is not ready for this yet; retry once it has finished starting."
        case .oseventRegistrationFailed, .bufferFull, .unknownChild:
            return "libxl's event machinery failed; restart the daemon, and report the bug if it happens again."
        case .lockFailed:
            return "Another toolstack (xl, libvirt) holds libxl's lock for this domain; wait for it and retry."
        case .deviceExists:
            return "A device with the same name or id is already attached: unplug it first or choose another position."
        case .checkpointDevopsDoNotMatch, .checkpointDeviceNotSupported:
            return "Checkpointing (Remus/COLO) is not used by this daemon; remove those settings."
        case .domainNotFound, .domainDestroyed:
            return "The domain no longer exists; refresh the VM's state."
        case .aborted:
            return "The operation was cancelled before it finished; check the VM's state and retry if needed."
        case .notFound:
            return "The device or object named does not exist in the domain; refresh the VM's state."
        case .qmpProtocolError, .qmpUnknownError, .qmpGenericError, .qmpCommandNotFound, .qmpDeviceNotActive, .qmpDeviceNotFound, .qemuAPI:
            return "The device model (QEMU) refused the command: see /var/log/xen/qemu-dm-<domain>.log."
        }
    }
}

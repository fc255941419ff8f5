/// Why a domain shut down (Xen's `SHUTDOWN_*` codes).
public enum ShutdownReason: String, Sendable, Hashable, CaseIterable, Codable {
    case poweroff, reboot, suspend, crash, watchdog, softReset = "soft_reset", unknown
}

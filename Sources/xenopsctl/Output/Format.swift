import Glibc
import XenopsCore

/// Words and numbers for people.
enum Format {
    /// Bytes in binary units: `512 MiB`, `4 GiB`, `1.5 GiB`.
    static func bytes(_ value: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var v = Double(value)
        var unit = 0
        while abs(v) >= 1024 && unit < units.count - 1 {
            v /= 1024
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        let rounded = (v * 10).rounded() / 10
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(text) \(units[unit])"
    }

    /// `running`, `halted`, …
    static func power(_ state: PowerState) -> String { state.rawValue.lowercased() }

    /// `running (domid 3)` or `halted`.
    static func powerWithDomain(_ state: VMState) -> String {
        let word = power(state.powerState)
        guard let domid = state.domids.first, state.powerState != .halted else { return word }
        return "\(word) (domid \(domid))"
    }

    /// A duration in seconds: `850 ms`, `3.7 s`, `2 min 5 s`, `1 h 4 min`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return "\((seconds * 10).rounded() / 10) s" }
        let s = Int(seconds.rounded())
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \((s % 3600) / 60) min"
    }

    /// Seconds since the epoch as UTC ISO 8601 with milliseconds: `2026-11-20T10:11:12.345Z`.
    static func timestamp(_ epoch: Double) -> String {
        var t = time_t(epoch.rounded(.down))
        var parts = tm()
        gmtime_r(&t, &parts)
        let ms = Int(((epoch - epoch.rounded(.down)) * 1000).rounded(.down))
        func pad(_ v: Int32, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }

    /// The current time, seconds since the epoch.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// A disk for tables: `local:/dev/sdb`, `vdi:SR/VDI`, `(empty)`.
    static func disk(_ disk: Disk?) -> String {
        switch disk {
        case .local(let path)?: return "local:\(path)"
        case .vdi(let name)?: return "vdi:\(name)"
        case nil: return "(empty)"
        }
    }

    /// A VBD position: `xen:0`, `ide:0:1` (partition shown when not 0).
    static func position(_ p: DevicePosition?) -> String {
        guard let p else { return "-" }
        return "\(p.bus.rawValue.lowercased()):\(p.disk)" + (p.partition == 0 ? "" : ":\(p.partition)")
    }

    /// A VIF network: the bridge, `remote <vm>/<bridge>` or `sriov <address>`.
    static func network(_ n: NetworkBackend) -> String {
        switch n {
        case .local(let bridge): return bridge
        case .remote(let vm, let bridge): return "remote \(vm)/\(bridge)"
        case .sriov(let address): return "sriov \(address)"
        }
    }

    /// `yes`/`no`.
    static func yesNo(_ flag: Bool) -> String { flag ? "yes" : "no" }

    /// A task state for tables: `pending`, `completed`, `failed`.
    static func taskState(_ s: TaskState) -> String {
        switch s {
        case .pending: return "pending"
        case .completed: return "completed"
        case .failed: return "failed"
        }
    }

    /// A task's progress: `42%`, or `100%` when finished.
    static func progress(_ s: TaskState) -> String {
        if case .pending(let p) = s { return "\(Int((p * 100).rounded(.down)))%" }
        return "100%"
    }

    /// The words for a failed task's error.
    static func failure(_ payload: JSONValue) -> String {
        ((try? XenopsError(xenops: payload)) ?? .unknownError).message
    }
}

import Foundation

/// Latency samples in nanoseconds, and the figures a benchmark prints from them.
struct Samples {
    var values: [UInt64] = []

    mutating func add(_ ns: UInt64) { values.append(ns) }
    mutating func add(contentsOf other: Samples) { values += other.values }

    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[index])
    }

    var count: Int { values.count }
}

/// Monotonic nanoseconds.
@inline(__always) func nowNanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Wall-clock seconds since the epoch (the daemon's task times use it).
@inline(__always) func wallSeconds() -> Double { Date().timeIntervalSince1970 }

func formatMicros(_ ns: Double) -> String { String(format: "%.1f µs", ns / 1000) }
func formatMillis(_ ns: Double) -> String { String(format: "%.2f ms", ns / 1_000_000) }

/// The resident set size of a process, from /proc.
func residentMiB(pid: Int32) -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return nil
}

/// Runs `body` on `count` threads at once and waits for all of them.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let thread = Thread {
            body(i)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

/// A value shared between benchmark threads.
final class Shared<T>: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func with<R>(_ body: (inout T) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

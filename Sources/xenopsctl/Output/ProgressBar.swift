import Synchronization

/// A one-line progress bar on stderr (only drawn on a terminal).
final class ProgressBar: Sendable {
    private let label: String
    private let width = 30
    private let drawn = Mutex(false)

    init(label: String) {
        self.label = label
        draw(0)
    }

    /// Redraws with `fraction` (0…1) done.
    func update(_ fraction: Double) {
        draw(fraction)
    }

    /// Erases the bar.
    func clear() {
        drawn.withLock { isDrawn in
            if isDrawn { Console.err("\r\u{1B}[K") }
            isDrawn = false
        }
    }

    private func draw(_ fraction: Double) {
        let f = min(max(fraction, 0), 1)
        let filled = Int((f * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let percent = Int((f * 100).rounded(.down))
        drawn.withLock { isDrawn in
            Console.err("\r\u{1B}[K\(label) [\(bar)] \(percent)%")
            isDrawn = true
        }
    }
}

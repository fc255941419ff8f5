import Synchronization

/// A one-line progress bar on stderr (only drawn on a terminal).
final class ProgressBar: Sendable {
    private let label: String
    private let width = 30
    /// The percentage on screen, or nil when nothing is drawn.
    private let drawn = Mutex<Int?>(nil)

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
        drawn.withLock { shown in
            if shown != nil { Console.err("\r\u{1B}[K") }
            shown = nil
        }
    }

    private func draw(_ fraction: Double) {
        let f = min(max(fraction, 0), 1)
        let filled = Int((f * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let percent = Int((f * 100).rounded(.down))
        drawn.withLock { shown in
            guard shown != percent else { return }
            Console.err("\r\u{1B}[K\(label) [\(bar)] \(percent)%")
            shown = percent
        }
    }
}

import Glibc

/// Unbuffered writes to stdout and stderr (plain `write(2)`, so output order is exactly the
/// order of the calls and nothing is lost when the process exits).
enum Console {
    /// Writes `text` followed by a newline to stdout.
    static func out(_ text: String) {
        write(1, text + "\n")
    }

    /// Writes `text` to stderr as is.
    static func err(_ text: String) {
        write(2, text)
    }

    /// Whether the descriptor is a terminal.
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) != 0 }

    static func write(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

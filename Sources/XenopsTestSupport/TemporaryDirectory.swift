import Foundation

/// A fresh directory under the system temporary directory, for tests that need files
/// (state files, disk images, save images). Remove it with ``remove()`` or use
/// ``withTemporaryDirectory(prefix:_:)``.
public struct TemporaryDirectory: Sendable {
    /// The absolute path of the directory.
    public let path: String

    /// Creates a new, empty, private (0700) directory whose name starts with `prefix`.
    public init(prefix: String = "xenopsd-ng-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: base, NSLocalizedDescriptionKey: "mkdtemp in \(base) failed: \(String(cString: strerror(errno)))"])
        }
        path = String(cString: made)
    }

    /// The path of `name` inside the directory (nothing is created).
    public func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` with a fresh temporary directory and removes the directory afterwards,
/// whether `body` succeeds or throws.
public func withTemporaryDirectory<T>(
    prefix: String = "xenopsd-ng-test", _ body: (TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory(prefix: prefix)
    defer { directory.remove() }
    return try await body(directory)
}

import Foundation

/// Finds the `xenops-store-torture` binary that `swift build` puts next to the test
/// binary, so that the crash test can run it as a child process.
enum TortureExecutable {
    static let name = "xenops-store-torture"

    struct NotFound: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            """
            cannot find the \(TortureExecutable.name) executable that the crash test runs \
            (looked in: \(searched.joined(separator: ", "))). Build it first with `swift build` \
            (or `swift build --build-tests`) in the package directory, then run the tests again; \
            or set XENOPS_STORE_TORTURE to its path.
            """
        }
    }

    /// The executable, from `$XENOPS_STORE_TORTURE`, else the directory of the running test
    /// binary (and its parents, for a macOS `.xctest` bundle), else `.build/debug` and
    /// `.build/release` of this package.
    static func locate() throws -> URL {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["XENOPS_STORE_TORTURE"], !explicit.isEmpty {
            guard fileManager.isExecutableFile(atPath: explicit) else { throw NotFound(searched: [explicit]) }
            return URL(fileURLWithPath: explicit)
        }
        var directories: [URL] = []
        var binaries: [URL] = []
        if let exe = try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            binaries.append(URL(fileURLWithPath: exe))
        }
        if let exe = Bundle.main.executableURL { binaries.append(exe) }
        binaries.append(URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL)
        for binary in binaries {
            var directory = binary.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                directories.append(directory)
                directory = directory.deletingLastPathComponent()
            }
        }
        // Tests/XenopsStoreTests/<this file> → the package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug"))
        directories.append(packageRoot.appendingPathComponent(".build/release"))

        var searched: [String] = []
        for directory in directories {
            let candidate = directory.appendingPathComponent(name).path
            guard !searched.contains(candidate) else { continue }
            searched.append(candidate)
            if fileManager.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw NotFound(searched: searched)
    }
}

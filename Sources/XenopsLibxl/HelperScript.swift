import Foundation
import XenopsBackend

/// Runs the dom0 helper programs xenopsd runs (`setup-vif-rules`, `setup-pvs-proxy-rules`,
/// `ovs-vsctl`, `ionice`): no shell, arguments passed as given, output captured, a timeout.
/// Blocking: call it on the ``BlockingPool``.
struct HelperScript: Sendable {
    /// The executable.
    let path: String
    /// What it is for, in errors (`"locking mode"`).
    let purpose: String
    /// What to install or configure when it is missing.
    let install: String
    let timeout: Duration

    /// The program's standard output.
    ///
    /// - Throws: ``BackendError/unsupported(operation:backend:reason:)`` when the program is
    ///   not installed here, ``BackendError/failed(operation:code:detail:remedy:)`` when it
    ///   exits non-zero, is killed or times out.
    @discardableResult
    func run(_ arguments: [String], operation: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BackendError.unsupported(operation: operation, backend: "libxl",
                                           reason: "\(purpose) needs \(path), which is not installed or not executable on this host. \(install)")
        }
        // Output goes to unlinked temporary files, not pipes: nothing has to drain them while
        // the program runs, so this pool thread is the only one involved.
        let out = try Self.scratchFile(operation)
        let err = try Self.scratchFile(operation)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw BackendError.failed(operation: operation, code: -1, detail: "cannot start \(path): \(error)", remedy: "Check the program's permissions.")
        }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                // SIGKILL: a script stuck on a lock may ignore SIGTERM.
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw BackendError.failed(operation: operation, code: -1, detail: "\(path) \(arguments.joined(separator: " ")) did not finish within \(timeout) and was killed",
                                          remedy: "Check why \(path) hangs (a locked iptables or ovsdb?).")
            }
            usleep(10_000)
        }
        let stdout = Self.contents(out)
        let stderr = Self.contents(err)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let how = process.terminationReason == .exit ? "exited with status \(process.terminationStatus)" : "was killed by signal \(process.terminationStatus)"
            throw BackendError.failed(operation: operation, code: Int(process.terminationStatus),
                                      detail: "\(path) \(arguments.joined(separator: " ")) \(how): \(stderr.isEmpty ? stdout : stderr)",
                                      remedy: "See the program's message; its input keys are in xenstore under /xapi/<vm uuid>/private.")
        }
        return stdout
    }

    /// An open, already unlinked temporary file.
    private static func scratchFile(_ operation: String) throws -> FileHandle {
        var template = Array("\(NSTemporaryDirectory())/xenopsd-helper.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buf -> Int32 in buf.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else {
            throw BackendError.failed(operation: operation, code: Int(errno), detail: "cannot create a temporary file for a helper's output", remedy: "Check that \(NSTemporaryDirectory()) is writable.")
        }
        template.withUnsafeBufferPointer { buf in _ = buf.baseAddress.map { unlink($0) } }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    private static func contents(_ file: FileHandle) -> String {
        _ = try? file.seek(toOffset: 0)
        let data = (try? file.readToEnd()) ?? Data()
        return String(decoding: data.prefix(64 * 1024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

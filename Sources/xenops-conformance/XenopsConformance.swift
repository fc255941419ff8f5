import ArgumentParser
import Foundation
import Logging
import XenopsBackend
import XenopsCore
import XenopsLibxl
import XenopsSimulator
import XenopsTestSupport

/// Runs the backend conformance cases (`BackendConformance` in XenopsTestSupport) against the
/// libxl backend (in a Xen dom0) or the simulator, printing `PASS name`, `FAIL name: why` or
/// `SKIP name: why` per case and a final `N passed, M failed` line. Exits non-zero if any case
/// failed.
@main
struct XenopsConformance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xenops-conformance",
        abstract: "Run the backend conformance cases against libxl or the simulator.",
        discussion: """
            On a Xen dom0 (as root): xenops-conformance --backend libxl --kernel /boot/guest-vmlinuz \
            [--ramdisk /boot/guest-initrd] [--no-hvm] [--time-scale 3]. The guest kernel must be a PV \
            kernel with PV drivers (any Linux), so that it answers shutdown and suspend requests.
            """)

    enum Backend: String, ExpressibleByArgument, CaseIterable {
        case libxl, simulator
    }

    @Option(help: "The backend to test: libxl (needs a Xen dom0, as root) or simulator.")
    var backend: Backend = .simulator

    @Option(help: "Dom0 path of the test guest's PV kernel (required with --backend libxl).")
    var kernel: String?

    @Option(help: "Dom0 path of the test guest's initial ramdisk.")
    var ramdisk: String?

    @Option(help: "Kernel command line of the test guest.")
    var cmdline = "console=hvc0"

    @Option(help: "Memory of each test domain, in MiB.")
    var memoryMib: Int64 = 128

    @Option(help: "The dom0 bridge test VIFs are connected to.")
    var bridge = "xenbr0"

    @Option(help: "Where scratch disk images and save files go.")
    var scratchDirectory = "/var/tmp"

    @Option(name: .customLong("block-device"), help: ArgumentHelp("A block device (e.g. a loop device) to use as a test disk instead of a sparse file; repeat for more. Needed where dom0 has no QEMU, which file-backed disks need.", valueName: "path"))
    var blockDevices: [String] = []

    @Flag(help: "The host cannot build HVM guests (nested Xen under TCG): skip HVM cases.")
    var noHvm = false

    @Flag(help: "The host cannot track dirty pages (log-dirty mode; nested Xen under TCG): skip the live-save case.")
    var noLiveSave = false

    @Option(name: .customLong("setup-vif-rules"), help: "libxl: the script VIF locking modes run (default: XCP-ng's /usr/libexec/xenopsd/setup-vif-rules; absent on Debian, where the keys are still checked).")
    var setupVifRules: String?

    @Option(help: "Seconds a guest gets to acknowledge a shutdown request.")
    var ackTimeout = 30.0

    @Option(help: "Seconds a guest gets to shut down after acknowledging.")
    var shutdownTimeout = 60.0

    @Option(help: "Seconds to wait for an expected backend event.")
    var eventTimeout = 30.0

    @Option(help: "Multiply every timeout by this (nested Xen under TCG is slow).")
    var timeScale = 1.0

    @Option(help: "Seconds one case may take before it is cancelled and reported as failed.")
    var caseTimeout = 600.0

    @Option(help: "Run only the cases whose name contains one of these (comma-separated).")
    var filter: String?

    @Option(name: .customLong("repeat"), help: "Run the selected cases this many times (to hunt flaky failures).")
    var repeatCount: Int = 1

    @Flag(help: "Log the backend's (and libxl's) messages to stderr.")
    var verbose = false

    @Flag(help: "List the cases and exit.")
    var list = false

    func validate() throws {
        if backend == .libxl, kernel == nil, !list {
            throw ValidationError("--kernel PATH is required with --backend libxl: the cases boot a PV guest.")
        }
        guard timeScale > 0 else { throw ValidationError("--time-scale must be positive.") }
    }

    mutating func run() async throws {
        let patterns = filter?.split(separator: ",").map(String.init) ?? []
        let selected = BackendConformance.cases.filter { c in patterns.isEmpty || patterns.contains { c.name.contains($0) } }
        let cases = Array(repeatElement(selected, count: max(1, repeatCount)).joined())
        if list {
            for c in cases { print("\(c.name): \(c.summary)") }
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .debug
            return handler
        }
        var logger = Logger(label: "xenops-conformance")
        logger.logLevel = verbose ? .debug : .critical

        let settings = ConformanceSettings(
            kernelPath: kernel ?? "/nonexistent/vmlinuz", ramdiskPath: ramdisk, kernelCommandLine: cmdline,
            memoryBytes: memoryMib << 20, bridge: bridge, scratchDirectory: scratchDirectory,
            supportsHVM: !noHvm, supportsLiveSave: !noLiveSave, ackTimeout: ackTimeout * timeScale, shutdownTimeout: shutdownTimeout * timeScale,
            eventTimeout: eventTimeout * timeScale, namePrefix: "conformance", blockDevices: blockDevices)
        let hypervisor: any Hypervisor
        do {
            hypervisor = try await makeBackend(logger: logger)
        } catch {
            print("FAIL open the \(backend.rawValue) backend: \(error)")
            print("0 passed, 1 failed")
            throw ExitCode.failure
        }
        let context = ConformanceContext(hypervisor: hypervisor, settings: settings)
        var passed = 0
        var failed = 0
        var skipped = 0
        for c in cases {
            let start = ContinuousClock.now
            do {
                try await Self.run(c, in: context, timeout: caseTimeout)
                print("PASS \(c.name) (\(Self.format(ContinuousClock.now - start)))")
                passed += 1
            } catch let skip as ConformanceSkip {
                print("SKIP \(c.name): \(skip.reason)")
                skipped += 1
            } catch {
                print("FAIL \(c.name): \(error)")
                failed += 1
            }
            fflush(nil)
        }
        await hypervisor.close()
        print("\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : ""))
        if failed > 0 { throw ExitCode.failure }
    }

    /// A case that did not finish in time.
    struct CaseTimedOut: Error, CustomStringConvertible {
        var seconds: Double
        var description: String { "did not finish within \(seconds) s (cancelled)" }
    }

    /// Runs a case, cancelling it after `timeout` seconds (the backend's waits and libxl's
    /// asynchronous operations stop on cancellation, and the case's cleanup still runs).
    static func run(_ c: BackendConformance.Case, in context: ConformanceContext, timeout: Double) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await c.run(in: context)
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(timeout))
                return false
            }
            defer { group.cancelAll() }
            guard let finished = try await group.next(), finished else {
                group.cancelAll()
                // Let the case notice the cancellation and clean up before reporting.
                while let next = await group.nextResult() {
                    if case .success(true) = next { return }
                }
                throw CaseTimedOut(seconds: timeout)
            }
        }
    }

    func makeBackend(logger: Logger) async throws -> any Hypervisor {
        switch backend {
        case .libxl:
            var configuration = LibxlConfiguration()
            if let setupVifRules { configuration.setupVifRules = setupVifRules }
            return try await LibxlHypervisor.open(logger: logger, configuration: configuration)
        // No built-in guest agent: the run-script case plays the agent itself, as on Xen.
        case .simulator: return try SimulatedHypervisor(configuration: SimulatorConfiguration(guestAgent: false))
        }
    }

    static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return ms >= 1000 ? String(format: "%.1f s", Double(ms) / 1000) : "\(ms) ms"
    }
}

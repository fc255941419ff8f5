import ArgumentParser
import Foundation
import Logging
import XenopsBackend
import XenopsCore
import XenopsLibxl
import XenopsSimulator

/// Runs the backend conformance cases against the libxl backend (in a Xen dom0) or the
/// simulator, printing `PASS name` / `FAIL name: why` / `SKIP name: why` per case and a final
/// `N passed, M failed` line. Exits non-zero if any case failed.
@main
struct XenopsConformance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xenops-conformance",
        abstract: "Run the backend conformance cases against libxl or the simulator.")

    enum Backend: String, ExpressibleByArgument, CaseIterable {
        case libxl, simulator
    }

    @Option(help: "The backend to test: libxl (needs a Xen dom0, as root) or simulator.")
    var backend: Backend = .simulator

    @Option(help: "Dom0 path of the test guest's PV kernel (needed for cases that boot a domain on libxl).")
    var kernel: String?

    @Option(help: "Dom0 path of the test guest's initial ramdisk.")
    var ramdisk: String?

    @Option(help: "Kernel command line of the test guest.")
    var cmdline = "console=hvc0 quiet"

    @Option(help: "The dom0 bridge for NIC cases (skipped if it does not exist).")
    var bridge = "xenbr0"

    @Option(help: "Where scratch disk images and save files go.")
    var scratchDirectory = "/var/tmp"

    @Option(help: "Multiply every wait by this (nested Xen under TCG is slow).")
    var timeScale = 1.0

    @Option(help: "Run only the cases whose name contains this.")
    var filter: String?

    @Flag(help: "Log the backend's (and libxl's) messages to stderr.")
    var verbose = false

    @Flag(help: "List the cases and exit.")
    var list = false

    mutating func run() async throws {
        if list {
            for c in ConformanceCase.all { print(c.name) }
            return
        }
        var logger = Logger(label: "xenops-conformance")
        logger.logLevel = verbose ? .debug : .critical
        let guest = TestGuest(kernel: kernel, ramdisk: ramdisk, cmdline: cmdline, bridge: bridge, diskDirectory: scratchDirectory)
        let hypervisor: any Hypervisor
        do {
            hypervisor = try await makeBackend(logger: logger)
        } catch {
            print("FAIL open \(backend.rawValue) backend: \(error)")
            print("0 passed, 1 failed")
            throw ExitCode.failure
        }
        let events = EventRecorder(hypervisor.events)
        let context = ConformanceContext(hypervisor: hypervisor, events: events, guest: guest, timeScale: timeScale)
        var passed = 0
        var failed = 0
        var skipped = 0
        for c in ConformanceCase.all where filter.map({ c.name.contains($0) }) ?? true {
            if let why = missing(c.requires, guest: guest) {
                print("SKIP \(c.name): \(why)")
                skipped += 1
                continue
            }
            let start = ContinuousClock.now
            do {
                try await c.body(context)
                print("PASS \(c.name) (\(Self.format(ContinuousClock.now - start)))")
                passed += 1
            } catch {
                print("FAIL \(c.name): \(error)")
                failed += 1
            }
            fflush(nil)
        }
        events.stop()
        await hypervisor.close()
        print("\(passed) passed, \(failed) failed" + (skipped > 0 ? ", \(skipped) skipped" : ""))
        if failed > 0 { throw ExitCode.failure }
    }

    func makeBackend(logger: Logger) async throws -> any Hypervisor {
        switch backend {
        case .libxl: return try await LibxlHypervisor.open(logger: logger)
        case .simulator: return try SimulatedHypervisor()
        }
    }

    /// Why a case cannot run here, or nil.
    func missing(_ requirements: Set<ConformanceCase.Requirement>, guest: TestGuest) -> String? {
        if backend == .libxl, requirements.contains(.bootableGuest) {
            guard let kernel else { return "needs a guest kernel (--kernel PATH)" }
            guard FileManager.default.fileExists(atPath: kernel) else { return "the kernel \(kernel) does not exist" }
        }
        if backend == .libxl, requirements.contains(.bridge), !FileManager.default.fileExists(atPath: "/sys/class/net/\(guest.bridge)") {
            return "the bridge \(guest.bridge) does not exist (--bridge NAME)"
        }
        return nil
    }

    static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        return ms >= 1000 ? String(format: "%.1f s", Double(ms) / 1000) : "\(ms) ms"
    }
}

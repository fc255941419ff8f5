import Foundation
import XenopsCore

/// `xenops-bench`: starts a xenopsd (simulator backend) and prints throughput, latency, boot
/// storm and memory figures. Options:
///   --xenopsd PATH          the daemon binary (default: next to this binary)
///   --seconds N             duration of each VM.stat run (default 5)
///   --clients 1,16,64       concurrency levels for VM.stat
///   --storm-vms N           VMs in the boot storm (default 200)
///   --step-latency-ms N     simulator latency per step in the storm (default 20)
///   --workers N             daemon worker count (default 16)
///   --rss-vms N             VMs defined for the RSS figure (default 1000)
///   --only stat|storm|rss   run one part only
///   --encodings json,xml    request bodies for the VM.stat runs, side by side at each level
///                           (xml: XML-RPC as XAPI posts it with use-switch=false)
///   --event-loop-threads N  passed to xenopsd
///   --sim-persist BOOL      keep the simulator's domains in its state file (default false:
///                           the figures are the daemon's, not the simulator's file writes)
@main
struct XenopsBench {
    static func main() {
        do { try run(CommandLine.arguments.dropFirst().map { $0 }) } catch {
            FileHandle.standardError.write(Data("xenops-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func option(_ args: [String], _ name: String) -> String? {
        guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
        return args[i + 1]
    }

    static func run(_ args: [String]) throws {
        let selfDir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let binary = option(args, "--xenopsd") ?? selfDir + "/xenopsd"
        let seconds = Double(option(args, "--seconds") ?? "5") ?? 5
        let clients = (option(args, "--clients") ?? "1,16,64").split(separator: ",").compactMap { Int($0) }
        let stormVMs = Int(option(args, "--storm-vms") ?? "200") ?? 200
        let latency = Int(option(args, "--step-latency-ms") ?? "20") ?? 20
        let workers = Int(option(args, "--workers") ?? "16") ?? 16
        let rssVMs = Int(option(args, "--rss-vms") ?? "1000") ?? 1000
        let only = option(args, "--only")
        let simPersist = option(args, "--sim-persist") ?? "false"
        var extra = ["--sim-persist", simPersist]
        if let threads = option(args, "--event-loop-threads") { extra += ["--event-loop-threads", threads] }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no xenopsd at \(binary); build it with `swift build -c release` or pass --xenopsd")
        }

        print("xenops-bench: \(ProcessInfo.processInfo.activeProcessorCount) CPUs, daemon \(binary)")

        print("simulator state file: \(simPersist == "true" ? "on" : "off")")

        // 1. VM.stat throughput on a daemon with one running VM (no simulated latency).
        if only == nil || only == "stat" {
            let daemon = try BenchDaemon(binary: binary, workers: workers, stepLatencyMs: 0, extra: extra)
            defer { daemon.stop() }
            let idle = residentMiB(pid: daemon.pid) ?? 0
            let c = try RawConnection(socketPath: daemon.socket)
            let vm = vmUUID(999_999)
            _ = try c.call("VM.import_metadata", [JSONMember("metadata", .string(metadataJSON(id: vm)))])
            _ = try c.call("VM.start", [JSONMember("id", .string(vm)), JSONMember("paused", .bool(false))])
            usleep(200_000)
            let encodings = (option(args, "--encodings") ?? "json").split(separator: ",").map(String.init)
            print("\nVM.stat over the Unix socket, \(seconds) s per level")
            print("body   clients  requests/s    p50         p99")
            for n in clients {
                for encoding in encodings {
                    let r = try statThroughput(socket: daemon.socket, vm: vm, clients: n, seconds: seconds, method: option(args, "--method") ?? "VM.stat", xml: encoding == "xml")
                    print(String(format: "%-5@  %7d  %10.0f    %-10@  %@", encoding as NSString, n, r.rate, formatMicros(r.p50) as NSString, formatMicros(r.p99) as NSString))
                }
            }
            print("\nRSS idle (fresh daemon): \(String(format: "%.1f", idle)) MiB")
        }

        // 2. Boot storm with simulated latency.
        if only == nil || only == "storm" {
            let daemon = try BenchDaemon(binary: binary, workers: workers, stepLatencyMs: latency, extra: extra)
            defer { daemon.stop() }
            let r = try bootStorm(socket: daemon.socket, count: stormVMs, workers: workers, stepLatencyMs: latency)
            print("\nBoot storm: \(r.vms) VMs (import_metadata + start + unpause), \(workers) workers, \(latency) ms per simulated step")
            print(String(format: "total %.3f s, ideal %.3f s (%.2f× ideal)", r.totalSeconds, r.idealSeconds, r.totalSeconds / r.idealSeconds))
            print("UPDATES delivery after task completion (\(r.updatesCount) tasks): p50 \(formatMillis(r.updatesP50)), p99 \(formatMillis(r.updatesP99))")
        }

        // 3. Memory with many VMs defined.
        if only == nil || only == "rss" {
            let daemon = try BenchDaemon(binary: binary, workers: workers, stepLatencyMs: 0, extra: extra)
            defer { daemon.stop() }
            usleep(300_000)
            let idle = residentMiB(pid: daemon.pid) ?? 0
            try defineMany(socket: daemon.socket, count: rssVMs, offset: 0)
            usleep(300_000)
            let loaded = residentMiB(pid: daemon.pid) ?? 0
            print(String(format: "\nRSS: idle %.1f MiB, with %d VMs defined %.1f MiB", idle, rssVMs, loaded))
        }
    }
}

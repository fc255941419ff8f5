import Foundation
import XenopsCore

/// The JSON of a small PV VM's metadata for `VM.import_metadata`.
func metadataJSON(id: String) -> String {
    """
    {"vm":{"id":"\(id)","name":"bench-\(id.prefix(8))","ssidref":0,"xsdata":{},"platformdata":{"featureset":"1-2-3"},\
    "bios_strings":{},"ty":["PV",{"boot":["Direct",{"kernel":"/boot/vmlinuz","cmdline":"console=hvc0"}]}],\
    "suppress_spurious_page_faults":false,"memory_static_max":67108864,"memory_dynamic_max":67108864,\
    "memory_dynamic_min":67108864,"vcpu_max":1,"vcpus":1,"scheduler_params":{"affinity":[]},"on_crash":["Shutdown"],\
    "on_shutdown":["Shutdown"],"on_reboot":["Start"],"pci_msitranslate":true,"pci_power_mgmt":false},\
    "vbds":[{"id":["\(id)","xvda"],"position":["Xen",0,0],"backend":["Local","/dev/vg/\(id.prefix(8))"]}],\
    "vifs":[{"id":["\(id)","0"],"mac":"00:16:3e:00:00:01"}]}
    """
}

func vmUUID(_ n: Int) -> String {
    String(format: "b0000000-0000-4000-8000-%012d", n)
}

/// `VM.stat` requests/s and latency with `clients` keep-alive connections for `seconds`.
func statThroughput(socket: String, vm: String, clients: Int, seconds: Double, method: String = "VM.stat", xml: Bool = false) throws -> (rate: Double, p50: Double, p99: Double) {
    let named: [(String, String)] = method == "VM.stat" ? [("debug_info", "bench"), ("id", vm)] : [("debug_info", "bench")]
    let request = xml
        ? RawConnection.xmlRequest(method: method, params: named)
        : RawConnection.request(method: method, params: named.map { JSONMember($0.0, .string($0.1)) })
    // Warm up once, then drive the connections from two epoll threads (see EventedLoad).
    _ = try RawConnection(socketPath: socket).roundTrip(request)
    let (samples, elapsed) = try EventedLoad.run(socket: socket, request: request, connections: clients, threads: min(clients, 2), seconds: seconds)
    return (Double(samples.count) / elapsed, samples.percentile(50), samples.percentile(99))
}

struct StormResult {
    var vms: Int
    var totalSeconds: Double
    var idealSeconds: Double
    var updatesP50: Double
    var updatesP99: Double
    var updatesCount: Int
}

/// Boot storm: `count` VMs imported, started and unpaused by 16 client threads, as XAPI does,
/// while a watcher follows UPDATES and measures how long each task's completion takes to be
/// delivered.
func bootStorm(socket: String, count: Int, workers: Int, stepLatencyMs: Int, clientThreads: Int = 16) throws -> StormResult {
    let watcher = try RawConnection(socketPath: socket)
    let statter = try RawConnection(socketPath: socket)
    guard case .int(let startID) = try watcher.call("UPDATES.last_id", []) else { throw BenchError("UPDATES.last_id returned no integer") }
    let expected = Shared(Set<String>())
    let delivered = Shared([String: Double]())  // task id → delivery latency (ns)
    let done = Shared(false)
    let started = nowNanos()
    let finishedAt = Shared(UInt64(0))

    // The watcher: long-polls UPDATES and stats every task it hears about.
    let watchThread = Thread {
        var last = Int(startID)
        while !done.with({ $0 }) {
            guard let result = try? watcher.call("UPDATES.get", [JSONMember("last_id", .int(Int64(last))), JSONMember("timeout", .int(1))]),
                  let parts = result.arrayElements, parts.count == 3, case .int(let next) = parts[2] else { continue }
            let receivedWall = wallSeconds()
            last = Int(next)
            for id in parts[1].arrayElements ?? [] {
                guard let e = id.arrayElements, e.count == 2, e[0] == .string("Task"), case .string(let task) = e[1] else { continue }
                if delivered.with({ $0[task] != nil }) { continue }
                guard let info = try? statter.call("Task.stat", [JSONMember("id", .string(task))]),
                      let state = info["state"]?.arrayElements, state.first == .string("Completed"),
                      case .double(let ctime)? = info["ctime"] else { continue }
                var duration = 0.0
                if let body = state.last, case .double(let d)? = body["duration"] { duration = d }
                let latency = max(0, (receivedWall - (ctime + duration)) * 1e9)
                delivered.with { $0[task] = latency }
            }
            let complete = expected.with { exp in exp.count == 2 * count } && delivered.with { d in expected.with { exp in exp.allSatisfy { d[$0] != nil } } }
            if complete {
                finishedAt.with { $0 = nowNanos() }
                done.with { $0 = true }
            }
        }
    }
    watchThread.start()

    let perThread = (count + clientThreads - 1) / clientThreads
    let failures = Shared([String]())
    onThreads(clientThreads) { t in
        guard let c = try? RawConnection(socketPath: socket) else {
            failures.with { $0.append("connect") }
            return
        }
        for n in (t * perThread)..<min(count, (t + 1) * perThread) {
            let id = vmUUID(n)
            do {
                _ = try c.call("VM.import_metadata", [JSONMember("metadata", .string(metadataJSON(id: id)))])
                guard case .string(let start) = try c.call("VM.start", [JSONMember("id", .string(id)), JSONMember("paused", .bool(false))]),
                      case .string(let unpause) = try c.call("VM.unpause", [JSONMember("id", .string(id))]) else {
                    failures.with { $0.append("no task id for \(id)") }
                    continue
                }
                expected.with { $0.insert(start); $0.insert(unpause) }
            } catch {
                failures.with { $0.append("\(error)") }
            }
        }
    }
    let waitDeadline = Date().addingTimeInterval(120)
    while !done.with({ $0 }) && Date() < waitDeadline { usleep(1000) }
    done.with { $0 = true }
    let failed = failures.with { $0 }
    if !failed.isEmpty { throw BenchError("boot storm: \(failed.count) failures, first: \(failed[0])") }
    let end = finishedAt.with { $0 }
    guard end > 0 else { throw BenchError("boot storm did not finish within 120 s") }
    var samples = Samples()
    for (_, v) in delivered.with({ $0 }) { samples.add(UInt64(v)) }
    // Each VM needs two queued operations (start, unpause) of one simulated step each; with
    // `workers` running at once the ideal is the number of rounds times the step latency.
    let rounds = (2 * count + workers - 1) / workers
    return StormResult(
        vms: count, totalSeconds: Double(end - started) / 1e9, idealSeconds: Double(rounds * stepLatencyMs) / 1000,
        updatesP50: samples.percentile(50), updatesP99: samples.percentile(99), updatesCount: samples.count
    )
}

/// Defines `count` VMs (no domains) and returns the daemon's RSS afterwards.
func defineMany(socket: String, count: Int, offset: Int) throws {
    let threads = 8
    let per = (count + threads - 1) / threads
    let failures = Shared(0)
    onThreads(threads) { t in
        guard let c = try? RawConnection(socketPath: socket) else { failures.with { $0 += 1 }; return }
        for n in (t * per)..<min(count, (t + 1) * per) {
            if (try? c.call("VM.import_metadata", [JSONMember("metadata", .string(metadataJSON(id: vmUUID(offset + n))))])) == nil {
                failures.with { $0 += 1 }
            }
        }
    }
    if failures.with({ $0 }) > 0 { throw BenchError("defining VMs failed \(failures.with { $0 }) times") }
}

import ArgumentParser
import XenopsCore

/// `xenopsctl host info`
struct HostInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the daemon, the hypervisor, the CPUs and the memory of the host.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = global.context("host info")
        let client = context.client
        let query = try await client.query()
        let host = try await client.hostStat()
        let memory = try await client.hostTotalMemoryMiB()
        if context.json {
            context.emit(.object([
                JSONMember("query", query.xenops),
                JSONMember("host", host.xenops),
                JSONMember("total_memory_mib", .int(memory)),
            ]))
            return
        }
        let cpu = host.cpuInfo
        var kv = KeyValues()
        kv.add("Daemon", "\(query.name) \(query.version) (\(query.vendor))")
        kv.add("Instance", query.instanceID)
        kv.add("Socket", client.socketPath)
        kv.add("Hypervisor", "Xen \(host.hypervisor.version)")
        kv.add("Capabilities", host.hypervisor.capabilities)
        kv.add("CPUs", "\(cpu.cpuCount) (\(cpu.socketCount) socket\(cpu.socketCount == 1 ? "" : "s"), \(cpu.threadsPerCore) thread\(cpu.threadsPerCore == 1 ? "" : "s") per core, \(cpu.nrNodes) NUMA node\(cpu.nrNodes == 1 ? "" : "s"))")
        kv.add("CPU model", [cpu.vendor, cpu.modelname].filter { !$0.isEmpty }.joined(separator: " "))
        if !cpu.speed.isEmpty { kv.add("CPU speed", "\(cpu.speed) MHz") }
        kv.add("IOMMU", Format.yesNo(host.chipsetInfo.iommu))
        kv.add("HVM", Format.yesNo(host.chipsetInfo.hvm))
        kv.add("Memory", Format.bytes(memory << 20))
        if !query.features.isEmpty { kv.add("Features", query.features.joined(separator: ", ")) }
        Console.out(kv.rendered)
    }
}

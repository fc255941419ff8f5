import ArgumentParser
import XenopsCore

/// `xenopsctl host cpu-policy`: the featuresets of `HOST.stat`, one per line.
struct HostCPUPolicy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cpu-policy", abstract: "Show the host's CPU featuresets (HOST.stat's features_* fields).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = global.context("host cpu-policy")
        let cpu = try await context.client.hostStat().cpuInfo
        let fields = [
            ("features", cpu.features), ("features_pv", cpu.featuresPV), ("features_hvm", cpu.featuresHVM),
            ("features_pv_host", cpu.featuresPVHost), ("features_hvm_host", cpu.featuresHVMHost),
        ]
        if context.json {
            context.emit(.object(fields.map { JSONMember($0.0, .string($0.1)) }))
            return
        }
        var kv = KeyValues()
        for (name, value) in fields { kv.add(name, value) }
        Console.out(kv.rendered)
    }
}

/// `xenopsctl host combine-cpu-policies P1 P2`
struct HostCombineCPUPolicies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "combine-cpu-policies", abstract: "Print the featureset two CPU policies have in common (HOST.combine_cpu_policies).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A featureset, e.g. \"17cbfbff-f7fa3223\".") var policy1: String
    @Argument(help: "Another featureset.") var policy2: String

    func run() async throws {
        let context = global.context("host combine-cpu-policies")
        let combined = try await context.client.hostCombineCPUPolicies(policy1, policy2)
        if context.json { context.emit(.string(combined)) } else { Console.out(combined) }
    }
}

/// `xenopsctl host is-compatible VM_POLICY HOST_POLICY`
struct HostIsCompatible: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "is-compatible",
        abstract: "Say whether a VM's CPU policy fits a host's (HOST.is_compatible).",
        discussion: "Prints 'compatible' or 'incompatible'; the exit status is 0 either way (non-zero only if the call failed).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The VM's featureset.") var vmPolicy: String
    @Argument(help: "The host's featureset.") var hostPolicy: String

    func run() async throws {
        let context = global.context("host is-compatible")
        let ok = try await context.client.hostIsCompatible(vmPolicy: vmPolicy, hostPolicy: hostPolicy)
        if context.json { context.emit(.bool(ok)) } else { Console.out(ok ? "compatible" : "incompatible") }
    }
}

/// `xenopsctl host debug-keys KEYS`
struct HostDebugKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "debug-keys", abstract: "Send Xen debug keys (HOST.send_debug_keys); see their output with 'host console'.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The keys, e.g. h (list the handlers) or q (dump domains).") var keys: String

    func run() async throws {
        try await global.context("host debug-keys").client.hostSendDebugKeys(keys)
    }
}

/// `xenopsctl host console`
struct HostConsole: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "console", abstract: "Print the hypervisor console ring (HOST.get_console_data, like xl dmesg).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = global.context("host console")
        let text = try await context.client.hostConsoleData()
        if context.json { context.emit(.string(text)) } else { Console.out(text) }
    }
}

/// `xenopsctl host numa-policy POLICY`
struct HostNUMAPolicy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "numa-policy", abstract: "Set the NUMA placement policy for domains built from now on (HOST.set_numa_affinity_policy).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "any, best-effort, best-effort-hard, prio-mem-only, or default.") var policy: String

    func run() async throws {
        let chosen: NUMAAffinityPolicy?
        if policy == "default" {
            chosen = nil
        } else if let p = NUMAAffinityPolicy.allCases.first(where: { $0.logName == policy || $0.rawValue == policy }) {
            chosen = p
        } else {
            throw ValidationError("unknown NUMA policy '\(policy)': use any, best-effort, best-effort-hard, prio-mem-only or default")
        }
        try await global.context("host numa-policy").client.hostSetNUMAAffinityPolicy(chosen)
    }
}

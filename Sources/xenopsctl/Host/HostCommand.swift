import ArgumentParser

/// `xenopsctl host …`
struct HostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Facts about the host and the daemon.",
        subcommands: [HostInfoCommand.self, HostCPUPolicy.self, HostCombineCPUPolicies.self, HostIsCompatible.self, HostDebugKeys.self, HostConsole.self, HostNUMAPolicy.self]
    )
}

import ArgumentParser

/// The root of the command tree.
struct XenopsCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xenopsctl",
        abstract: "Operate xenopsd-ng: VMs, their disks and networks, tasks, events and the host.",
        discussion: """
            Talks to xenopsd over its Unix socket (--socket, env XENOPSD_SOCKET, default \
            /run/xenopsd-ng/xenopsd.sock) with the xenops JSON-RPC API.

            XENOPSCTL_TIMEOUT=S gives up on any call or task wait after S seconds.

            Exit status: 0 success, 1 the operation failed, 2 usage error, \
            3 daemon not reachable, 4 timeout.
            """,
        subcommands: [VMCommand.self, VBDCommand.self, VIFCommand.self, TaskCommand.self, EventsCommand.self, HostCommand.self]
    )
}

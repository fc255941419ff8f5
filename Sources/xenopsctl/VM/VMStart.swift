import ArgumentParser

/// `xenopsctl vm start ID`
struct VMStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a VM and unpause it (like XAPI), then wait until it runs.",
        discussion: "VM.start and VM.unpause are queued back to back on the VM's queue; --paused leaves the new domain paused."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String
    @Flag(help: "Leave the domain paused (do not queue VM.unpause).") var paused = false
    @Flag(help: "Start even if checks would refuse (sent as VM.start's 'paused' flag, which xenopsd treats as force).") var force = false

    func run() async throws {
        let context = global.context("vm start")
        let client = context.client
        let unpause = !paused
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Starting") { id in
            var tasks = [try await client.vmStart(id, force: force)]
            if unpause { tasks.append(try await client.vmUnpause(id)) }
            return tasks
        }
    }
}

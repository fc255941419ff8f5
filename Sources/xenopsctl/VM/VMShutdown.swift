import ArgumentParser

/// `xenopsctl vm shutdown ID`
struct VMShutdown: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shutdown",
        abstract: "Shut a VM down: cleanly (the guest is asked, 60 s by default) or hard with --force."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var mode: ShutdownOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm shutdown")
        let client = context.client
        let delay = mode.delay
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Shutting down") { id in
            [try await client.vmShutdown(id, delay: delay)]
        }
    }
}

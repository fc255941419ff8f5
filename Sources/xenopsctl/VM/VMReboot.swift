import ArgumentParser

/// `xenopsctl vm reboot ID`
struct VMReboot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reboot",
        abstract: "Reboot a VM: cleanly (the guest is asked, 60 s by default) or hard with --force."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var mode: ShutdownOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm reboot")
        let client = context.client
        let delay = mode.delay
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Rebooting") { id in
            [try await client.vmReboot(id, delay: delay)]
        }
    }
}

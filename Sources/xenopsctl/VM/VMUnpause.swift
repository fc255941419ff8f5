import ArgumentParser

/// `xenopsctl vm unpause ID`
struct VMUnpause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpause", abstract: "Unpause a paused VM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm unpause")
        let client = context.client
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Unpausing") { id in [try await client.vmUnpause(id)] }
    }
}

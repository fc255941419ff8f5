import ArgumentParser

/// `xenopsctl vm pause ID`
struct VMPause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a running VM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm pause")
        let client = context.client
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Pausing") { id in [try await client.vmPause(id)] }
    }
}

import ArgumentParser

/// `xenopsctl vm destroy ID`
struct VMDestroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Destroy a VM's domain at once (the atomic VM.destroy; the VM stays defined)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm destroy")
        let client = context.client
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Destroying") { id in [try await client.vmDestroy(id)] }
    }
}

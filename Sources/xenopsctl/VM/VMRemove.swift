import ArgumentParser
import XenopsCore

/// `xenopsctl vm remove ID`
struct VMRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Forget a halted VM and its devices (VM.remove)."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm remove")
        let id = try await VMReference.resolve(vm, with: context.client)
        try await context.client.vmRemove(id)
        if context.json { context.emit(.object([JSONMember("removed", .string(id))])) } else { Console.out("VM \(vm) removed") }
    }
}

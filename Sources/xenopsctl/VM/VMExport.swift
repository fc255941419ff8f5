import ArgumentParser
import XenopsCore

/// `xenopsctl vm export ID`
struct VMExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print a VM's metadata (the Metadata.t of VM.export_metadata) as JSON.",
        discussion: "The output can be given back to 'xenopsctl vm create'."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm export")
        let id = try await VMReference.resolve(vm, with: context.client)
        let text = try await context.client.vmExportMetadataJSON(id)
        if let json = try? JSONValue.parse(text) { Console.out(JSONPrinter.pretty(json)) } else { Console.out(text) }
    }
}

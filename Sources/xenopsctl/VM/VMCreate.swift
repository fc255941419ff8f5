import ArgumentParser
import XenopsCore

/// `xenopsctl vm create FILE`
struct VMCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create (or update) a VM from a xenops Metadata.t or Vm.t JSON document.",
        discussion: """
            FILE holds either a Metadata.t ({"vm": {…}, "vbds": […], "vifs": […]}) or a bare Vm.t; \
            - reads stdin. The document is checked here, then sent with VM.import_metadata, which \
            creates the VM or overwrites the configuration of an existing one. Prints the VM uuid.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("The JSON document, or - for stdin.", valueName: "file")) var file: String

    func run() async throws {
        let context = global.context("vm create")
        let metadata = try Self.metadataText(from: try InputFile.read(file), name: file == "-" ? "stdin" : file)
        let uuid = try await context.client.vmImportMetadata(json: metadata)
        if context.json { context.emit(.string(uuid)) } else { Console.out(uuid) }
    }

    /// The text of a Metadata.t to import: the document itself if it is one, or a bare Vm.t
    /// wrapped as `{"vm": …}`. The document is decoded first so mistakes are reported here.
    static func metadataText(from bytes: [UInt8], name: String) throws -> String {
        let hint = "The file must hold a xenops Metadata.t ({\"vm\": {…}, \"vbds\": […], \"vifs\": […]}) or a bare Vm.t; see Docs/xenopsctl.md."
        let json: JSONValue
        do { json = try JSONValue.parse(bytes) } catch {
            throw CLIError.usage("\(name) is not valid JSON: \(error)", hint: hint)
        }
        guard let members = json.objectMembers else {
            throw CLIError.usage("\(name) holds \(json.kindName), not a JSON object", hint: hint)
        }
        if members.contains(where: { $0.key.lowercased() == "vm" }) {
            do { _ = try Metadata(xenops: json) } catch {
                throw CLIError.usage("\(name) is not a valid Metadata.t: \(error)", hint: hint)
            }
            return json.jsonString
        }
        do { _ = try VM(xenops: json) } catch {
            throw CLIError.usage("\(name) is not a valid Vm.t (and has no \"vm\" member, so it is not a Metadata.t): \(error)", hint: hint)
        }
        return JSONValue.object([JSONMember("vm", json)]).jsonString
    }
}

import ArgumentParser
import XenopsCore

/// `xenopsctl vbd insert VM NAME PATH`
struct VBDInsert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "insert",
        abstract: "Insert media into an empty CD drive.",
        discussion: "PATH is a dom0 path (a Local disk), or vdi:SR/VDI for a VDI."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var device: VBDReference
    @Argument(help: ArgumentHelp("The media: a dom0 path, or vdi:SR/VDI.", valueName: "path")) var path: String

    func validate() throws {
        if path.isEmpty || path == "vdi:" { throw ValidationError("PATH must name a file, a block device or vdi:SR/VDI.") }
    }

    /// The disk PATH names.
    static func disk(_ path: String) -> Disk {
        path.hasPrefix("vdi:") ? .vdi(String(path.dropFirst(4))) : .local(path)
    }

    func run() async throws {
        let context = global.context("vbd insert")
        let client = context.client
        let disk = Self.disk(path)
        try await context.runDeviceTask("VBD", vm: device.vm, device: device.name, noWait: wait.noWait, label: "Inserting into",
                                        start: { try await client.vbdInsert($0, disk: disk) }, describe: context.describeVBD)
    }
}

import ArgumentParser

/// `xenopsctl vbd …`
struct VBDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vbd",
        abstract: "Inspect and hot-plug a VM's virtual disks and CD drives (VBDs).",
        discussion: "A VBD is named by its VM and its device name, e.g. 'xvda'.",
        subcommands: [VBDList.self, VBDShow.self, VBDPlug.self, VBDUnplug.self, VBDInsert.self, VBDEject.self]
    )
}

/// The `VM NAME` arguments of a VBD command.
struct VBDReference: ParsableArguments {
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String
    @Argument(help: "The VBD's device name, e.g. xvda.") var name: String
}

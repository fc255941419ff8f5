import ArgumentParser

/// `xenopsctl vif …`
struct VIFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vif",
        abstract: "Inspect and hot-plug a VM's network interfaces (VIFs).",
        discussion: "A VIF is named by its VM and its device name, e.g. '0'.",
        subcommands: [VIFList.self, VIFShow.self, VIFPlug.self, VIFUnplug.self]
    )
}

/// The `VM NAME` arguments of a VIF command.
struct VIFReference: ParsableArguments {
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String
    @Argument(help: "The VIF's device name, e.g. 0.") var name: String
}

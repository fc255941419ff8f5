import ArgumentParser

/// `xenopsctl vbd eject VM NAME`
struct VBDEject: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eject", abstract: "Eject the media from a CD drive.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var device: VBDReference

    func run() async throws {
        let context = global.context("vbd eject")
        let client = context.client
        try await context.runDeviceTask("VBD", vm: device.vm, device: device.name, noWait: wait.noWait, label: "Ejecting",
                                        start: { try await client.vbdEject($0) }, describe: context.describeVBD)
    }
}

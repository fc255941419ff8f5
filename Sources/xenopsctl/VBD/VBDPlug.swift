import ArgumentParser

/// `xenopsctl vbd plug VM NAME`
struct VBDPlug: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plug", abstract: "Hot-plug a VBD into a running VM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var device: VBDReference

    func run() async throws {
        let context = global.context("vbd plug")
        let client = context.client
        try await context.runDeviceTask("VBD", vm: device.vm, device: device.name, noWait: wait.noWait, label: "Plugging",
                                        start: { try await client.vbdPlug($0) }, describe: context.describeVBD)
    }
}

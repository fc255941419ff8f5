import ArgumentParser

/// `xenopsctl vif plug VM NAME`
struct VIFPlug: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plug", abstract: "Hot-plug a VIF into a running VM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var device: VIFReference

    func run() async throws {
        let context = global.context("vif plug")
        let client = context.client
        try await context.runDeviceTask("VIF", vm: device.vm, device: device.name, noWait: wait.noWait, label: "Plugging",
                                        start: { try await client.vifPlug($0) }, describe: context.describeVIF)
    }
}

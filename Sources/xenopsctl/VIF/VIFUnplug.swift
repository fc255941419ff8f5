import ArgumentParser

/// `xenopsctl vif unplug VM NAME`
struct VIFUnplug: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unplug", abstract: "Hot-unplug a VIF from a running VM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var device: VIFReference
    @Flag(help: "Unplug even if the guest does not release the device.") var force = false

    func run() async throws {
        let context = global.context("vif unplug")
        let client = context.client
        let force = force
        try await context.runDeviceTask("VIF", vm: device.vm, device: device.name, noWait: wait.noWait, label: "Unplugging",
                                        start: { try await client.vifUnplug($0, force: force) }, describe: context.describeVIF)
    }
}

import ArgumentParser

/// `xenopsctl vbd unplug VM NAME`
struct VBDUnplug: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unplug", abstract: "Hot-unplug a VBD from a running VM.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @OptionGroup var device: VBDReference
    @Flag(help: "Unplug even if the guest does not release the device.") var force = false

    func run() async throws {
        let context = global.context("vbd unplug")
        let client = context.client
        let force = force
        try await context.runDeviceTask("VBD", vm: device.vm, device: device.name, noWait: wait.noWait, label: "Unplugging",
                                        start: { try await client.vbdUnplug($0, force: force) }, describe: context.describeVBD)
    }
}

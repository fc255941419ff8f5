import ArgumentParser
import XenopsCore

/// `xenopsctl vif show VM NAME`
struct VIFShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one VIF's configuration and state.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: VIFReference

    func run() async throws {
        let context = global.context("vif show")
        let vm = try await VMReference.resolve(device.vm, with: context.client)
        let (vif, state) = try await context.client.vifStat(DeviceID(vm: vm, name: device.name))
        if context.json {
            context.emit(.array([vif.xenops, state.xenops]))
            return
        }
        var kv = KeyValues()
        kv.add("VM", vif.id.vm)
        kv.add("Name", vif.id.name)
        kv.add("Position", String(vif.position))
        kv.add("MAC", vif.mac)
        kv.add("Network", Format.network(vif.backend))
        kv.add("MTU", String(vif.mtu))
        kv.add("Carrier", Format.yesNo(vif.carrier))
        kv.add("Active", Format.yesNo(state.active))
        kv.add("Plugged", Format.yesNo(state.plugged))
        if let device = state.device { kv.add("Backend device", device) }
        Console.out(kv.rendered)
    }
}

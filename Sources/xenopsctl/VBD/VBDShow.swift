import ArgumentParser
import XenopsCore

/// `xenopsctl vbd show VM NAME`
struct VBDShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one VBD's configuration and state.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var device: VBDReference

    func run() async throws {
        let context = global.context("vbd show")
        let vm = try await VMReference.resolve(device.vm, with: context.client)
        let (vbd, state) = try await context.client.vbdStat(DeviceID(vm: vm, name: device.name))
        if context.json {
            context.emit(.array([vbd.xenops, state.xenops]))
            return
        }
        var kv = KeyValues()
        kv.add("VM", vbd.id.vm)
        kv.add("Name", vbd.id.name)
        kv.add("Position", Format.position(vbd.position))
        kv.add("Type", vbd.ty.rawValue)
        kv.add("Mode", vbd.mode.rawValue)
        kv.add("Backend", Format.disk(vbd.backend))
        kv.add("Unpluggable", Format.yesNo(vbd.unpluggable))
        kv.add("Active", Format.yesNo(state.active))
        kv.add("Plugged", Format.yesNo(state.plugged))
        if let present = state.backendPresent { kv.add("Media present", Format.disk(present)) }
        Console.out(kv.rendered)
    }
}

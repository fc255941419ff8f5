import ArgumentParser
import XenopsCore

/// `xenopsctl vbd list VM`
struct VBDList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a VM's VBDs.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vbd list")
        let id = try await VMReference.resolve(vm, with: context.client)
        let vbds = try await context.client.vbdList(vm: id).sorted { $0.vbd.id < $1.vbd.id }
        if context.json {
            context.emit(.array(vbds.map { .array([$0.vbd.xenops, $0.state.xenops]) }))
            return
        }
        var table = Table("NAME", "POSITION", "TYPE", "MODE", "BACKEND", "ACTIVE", "PLUGGED")
        for (vbd, state) in vbds {
            table.add(vbd.id.name, Format.position(vbd.position), vbd.ty.rawValue, vbd.mode.rawValue, Format.disk(vbd.backend), Format.yesNo(state.active), Format.yesNo(state.plugged))
        }
        Console.out(table.rendered)
    }
}

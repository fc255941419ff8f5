import ArgumentParser
import XenopsCore

/// `xenopsctl vif list VM`
struct VIFList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List a VM's VIFs.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vif list")
        let id = try await VMReference.resolve(vm, with: context.client)
        let vifs = try await context.client.vifList(vm: id).sorted { ($0.vif.position, $0.vif.id) < ($1.vif.position, $1.vif.id) }
        if context.json {
            context.emit(.array(vifs.map { .array([$0.vif.xenops, $0.state.xenops]) }))
            return
        }
        var table = Table("NAME", "POSITION", "MAC", "NETWORK", "MTU", "CARRIER", "ACTIVE", "PLUGGED")
        for (vif, state) in vifs {
            table.add(vif.id.name, String(vif.position), vif.mac, Format.network(vif.backend), String(vif.mtu), Format.yesNo(vif.carrier), Format.yesNo(state.active), Format.yesNo(state.plugged))
        }
        Console.out(table.rendered)
    }
}

import ArgumentParser
import XenopsCore

/// `xenopsctl vm show ID`
struct VMShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a VM's configuration, state and devices.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String

    func run() async throws {
        let context = global.context("vm show")
        let client = context.client
        let id = try await VMReference.resolve(vm, with: client)
        let (config, state) = try await client.vmStat(id)
        let vbds = try await client.vbdList(vm: id)
        let vifs = try await client.vifList(vm: id)
        if context.json {
            context.emit(.object([
                JSONMember("vm", config.xenops),
                JSONMember("state", state.xenops),
                JSONMember("vbds", .array(vbds.map { .array([$0.vbd.xenops, $0.state.xenops]) })),
                JSONMember("vifs", .array(vifs.map { .array([$0.vif.xenops, $0.state.xenops]) })),
            ]))
            return
        }
        var kv = KeyValues()
        kv.add("UUID", config.id)
        kv.add("Name", config.name)
        kv.add("Power state", Format.power(state.powerState))
        if state.powerState != .halted {
            kv.add("Domain", state.domids.map(String.init).joined(separator: ", "))
        }
        kv.add("Type", Self.typeName(config.ty))
        kv.add("vCPUs", "\(config.vcpus) of \(config.vcpuMax)" + (state.vcpuTarget > 0 ? " (online: \(state.vcpuTarget))" : ""))
        kv.add("Memory", "static max \(Format.bytes(config.memoryStaticMax)), dynamic \(Format.bytes(config.memoryDynamicMin))–\(Format.bytes(config.memoryDynamicMax))")
        if state.powerState != .halted {
            kv.add("Memory now", "target \(Format.bytes(state.memoryTarget)), actual \(Format.bytes(state.memoryActual))")
        }
        if state.lastStartTime > 0 { kv.add("Last start", Format.timestamp(state.lastStartTime)) }
        kv.add("On shutdown", Self.actions(config.onShutdown))
        kv.add("On reboot", Self.actions(config.onReboot))
        kv.add("On crash", Self.actions(config.onCrash))
        var text = kv.rendered

        text += "\n\nDisks (VBD):\n"
        if vbds.isEmpty { text += "  none" } else {
            var table = Table("NAME", "POSITION", "TYPE", "MODE", "BACKEND", "PLUGGED")
            for (vbd, s) in vbds.sorted(by: { $0.vbd.id < $1.vbd.id }) {
                table.add(vbd.id.name, Format.position(vbd.position), vbd.ty.rawValue, vbd.mode.rawValue, Format.disk(vbd.backend), Format.yesNo(s.plugged))
            }
            text += Self.indent(table.rendered)
        }
        text += "\n\nNetworks (VIF):\n"
        if vifs.isEmpty { text += "  none" } else {
            var table = Table("NAME", "MAC", "NETWORK", "MTU", "PLUGGED")
            for (vif, s) in vifs.sorted(by: { $0.vif.position < $1.vif.position }) {
                table.add(vif.id.name, vif.mac, Format.network(vif.backend), String(vif.mtu), Format.yesNo(s.plugged))
            }
            text += Self.indent(table.rendered)
        }
        Console.out(text)
    }

    static func typeName(_ ty: BuilderInfo) -> String {
        switch ty {
        case .hvm(let info):
            switch info.firmware {
            case .uefi: return "HVM (UEFI)"
            case .bios: return "HVM (BIOS)"
            }
        case .pv: return "PV"
        case .pvInPVH: return "PV in PVH"
        case .pvh: return "PVH"
        }
    }

    static func actions(_ list: [VMAction]) -> String {
        list.isEmpty ? "-" : list.map { $0.rawValue.lowercased() }.joined(separator: ", ")
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}

import ArgumentParser
import XenopsCore

/// `xenopsctl vm list`
struct VMList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the VMs the daemon knows.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = global.context("vm list")
        let vms = try await context.client.vmList().sorted { ($0.vm.name, $0.vm.id) < ($1.vm.name, $1.vm.id) }
        if context.json {
            context.emit(.array(vms.map { .array([$0.vm.xenops, $0.state.xenops]) }))
            return
        }
        var table = Table("UUID", "NAME", "POWER", "DOMID", "VCPUS", "MEMORY")
        for (vm, state) in vms {
            let live = state.powerState != .halted
            let domid = live ? state.domids.first.map(String.init) ?? "-" : "-"
            let vcpus = live && state.vcpuTarget > 0 ? state.vcpuTarget : vm.vcpus
            let memory = live && state.memoryActual > 0 ? state.memoryActual : vm.memoryStaticMax
            table.add(vm.id, vm.name, Format.power(state.powerState), domid, String(vcpus), Format.bytes(memory))
        }
        Console.out(table.rendered)
    }
}

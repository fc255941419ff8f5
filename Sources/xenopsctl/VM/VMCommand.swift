import ArgumentParser

/// `xenopsctl vm …`
struct VMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm",
        abstract: "Create, inspect and drive VMs.",
        discussion: "A VM is named by its uuid, its name (if unique) or a unique prefix of its uuid.",
        subcommands: [
            VMList.self, VMShow.self, VMCreate.self, VMStart.self, VMShutdown.self, VMReboot.self,
            VMPause.self, VMUnpause.self, VMSuspend.self, VMResume.self, VMSetVcpus.self, VMSetMemory.self,
            VMDestroy.self, VMRemove.self, VMExport.self,
        ]
    )
}

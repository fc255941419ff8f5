import ArgumentParser

/// `xenopsctl vm suspend ID --image PATH`
struct VMSuspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Save a running VM's memory to an image file in dom0 and destroy its domain.",
        discussion: "The VM then reports Suspended until 'vm resume' rebuilds it from the same file.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String
    @Option(help: "Absolute path of the suspend image in dom0 (created, mode 0600).") var image: String

    func run() async throws {
        let context = global.context("vm suspend")
        let client = context.client
        let image = self.image
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Suspending") { id in [try await client.vmSuspend(id, imagePath: image)] }
    }
}

/// `xenopsctl vm resume ID --image PATH [--paused]`
struct VMResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Rebuild a suspended VM from its image file and unpause it (unless --paused).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String
    @Option(help: "The suspend image 'vm suspend' wrote.") var image: String
    @Flag(help: "Leave the resumed domain paused.") var paused = false

    func run() async throws {
        let context = global.context("vm resume")
        let client = context.client
        let (image, paused) = (self.image, self.paused)
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Resuming") { id in
            // Queued back to back, like XAPI: the VM's FIFO queue keeps them in order.
            let resume = try await client.vmResume(id, imagePath: image)
            return paused ? [resume] : [resume, try await client.vmUnpause(id)]
        }
    }
}

/// `xenopsctl vm set-vcpus ID N`
struct VMSetVcpus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-vcpus", abstract: "Set the number of online vCPUs of a running VM (1…vcpu_max).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String
    @Argument(help: "The vCPU count.") var count: Int

    func run() async throws {
        let context = global.context("vm set-vcpus")
        let client = context.client
        let count = self.count
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Setting vCPUs") { id in [try await client.vmSetVcpus(id, count)] }
    }
}

/// `xenopsctl vm set-memory ID --min MIB --max MIB`
struct VMSetMemory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-memory",
        abstract: "Set a VM's dynamic memory range in MiB; a running VM's balloon target follows the maximum.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var wait: WaitOptions
    @Argument(help: "The VM: uuid, name or uuid prefix.") var vm: String
    @Option(help: "Dynamic minimum, MiB.") var min: Int64
    @Option(help: "Dynamic maximum (the target), MiB.") var max: Int64

    func run() async throws {
        let context = global.context("vm set-memory")
        let client = context.client
        let (low, high) = (min << 20, max << 20)
        try await context.runVMTasks(vm, noWait: wait.noWait, label: "Setting memory") { id in
            [try await client.vmSetMemoryDynamicRange(id, minimum: low, maximum: high)]
        }
    }
}

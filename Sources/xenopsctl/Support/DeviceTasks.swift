import XenopsClient
import XenopsCore

extension CommandContext {
    /// Runs a device operation that returns a task id: resolves the VM, starts the task, and
    /// either prints its id (`--no-wait`) or waits and prints the device's new state.
    ///
    /// - Parameters:
    ///   - kind: `"VBD"` or `"VIF"`, for messages.
    ///   - start: queues the task for the device id.
    ///   - describe: reads the device's state afterwards: words and the xenops `state`.
    func runDeviceTask(
        _ kind: String, vm reference: String, device: String, noWait: Bool, label: String,
        start: (DeviceID) async throws -> String,
        describe: (DeviceID) async throws -> (words: String, state: JSONValue)
    ) async throws {
        let vm = try await VMReference.resolve(reference, with: client)
        let id = DeviceID(vm: vm, name: device)
        let task = try await start(id)
        let waiter = TaskWaiter(context: self)
        if noWait {
            waiter.printStarted([task])
            return
        }
        let finished = try await waiter.wait(for: [task], label: "\(label) \(kind) \(device)")
        let (words, state) = try await describe(id)
        if json {
            emit(.object([JSONMember("tasks", .array(finished.map(\.xenops))), JSONMember("state", state)]))
        } else {
            say("\(kind) \(device) of VM \(reference) is \(words)")
        }
    }

    /// A VBD's state in words and as xenops JSON.
    func describeVBD(_ id: DeviceID) async throws -> (words: String, state: JSONValue) {
        let (vbd, state) = try await client.vbdStat(id)
        var words = state.plugged ? "plugged" : "unplugged"
        if vbd.ty == .cdrom { words += state.backendPresent == nil && vbd.backend == nil ? ", empty" : ", holding \(Format.disk(state.backendPresent ?? vbd.backend))" }
        return (words, state.xenops)
    }

    /// A VIF's state in words and as xenops JSON.
    func describeVIF(_ id: DeviceID) async throws -> (words: String, state: JSONValue) {
        let (_, state) = try await client.vifStat(id)
        return (state.plugged ? "plugged" : "unplugged", state.xenops)
    }
}

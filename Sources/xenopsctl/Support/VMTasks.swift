import XenopsClient
import XenopsCore

extension CommandContext {
    /// Runs a VM operation that returns task ids: resolves the VM, starts the tasks, and
    /// either prints their ids (`--no-wait`) or waits for them and prints the VM's new state.
    ///
    /// - Parameters:
    ///   - reference: what the operator typed for the VM (uuid, name or uuid prefix).
    ///   - label: words for the progress bar, e.g. `"Starting"`.
    ///   - start: queues the task(s) for the VM uuid and returns their ids, in queue order.
    func runVMTasks(_ reference: String, noWait: Bool, label: String, start: (String) async throws -> [String]) async throws {
        let id = try await VMReference.resolve(reference, with: client)
        let tasks = try await start(id)
        let waiter = TaskWaiter(context: self)
        if noWait {
            waiter.printStarted(tasks)
            return
        }
        let finished = try await waiter.wait(for: tasks, label: "\(label) VM \(reference)")
        let (_, state) = try await client.vmStat(id)
        if json {
            emit(.object([JSONMember("tasks", .array(finished.map(\.xenops))), JSONMember("state", state.xenops)]))
        } else {
            say("VM \(reference) is \(Format.powerWithDomain(state))")
        }
    }
}

import ArgumentParser
import XenopsCore

/// `xenopsctl task show ID`
struct TaskShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one task.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The task id.") var id: String

    func run() async throws {
        let context = global.context("task show")
        let task = try await context.client.taskStat(id)
        if context.json {
            context.emit(task.xenops)
            return
        }
        var kv = KeyValues()
        kv.add("ID", task.id)
        kv.add("Debug info", task.dbg)
        kv.add("Created", Format.timestamp(task.ctime))
        switch task.state {
        case .pending(let p):
            kv.add("State", "pending, \(Int((p * 100).rounded(.down)))% done")
        case .completed(let duration, let result):
            kv.add("State", "completed in \(Format.duration(duration))")
            if let result, result != .null { kv.add("Result", result.jsonString) }
        case .failed(let payload):
            kv.add("State", "failed")
            kv.add("Error", Format.failure(payload))
        }
        kv.add("Cancellable", Format.yesNo(task.cancellable))
        for (name, state) in task.subtasks.sorted(by: { $0.key < $1.key }) {
            kv.add("Subtask \(name)", "\(Format.taskState(state)) \(Format.progress(state))")
        }
        Console.out(kv.rendered)
    }
}

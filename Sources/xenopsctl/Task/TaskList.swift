import ArgumentParser
import XenopsCore

/// `xenopsctl task list`
struct TaskList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tasks the daemon still knows.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = global.context("task list")
        let tasks = try await context.client.taskList().sorted { (Int($0.id) ?? .max, $0.id) < (Int($1.id) ?? .max, $1.id) }
        if context.json {
            context.emit(.array(tasks.map(\.xenops)))
            return
        }
        let now = Format.now()
        var table = Table("ID", "STATE", "PROGRESS", "AGE", "DEBUG_INFO")
        for task in tasks {
            table.add(task.id, Format.taskState(task.state), Format.progress(task.state), Format.duration(max(0, now - task.ctime)), task.dbg)
        }
        Console.out(table.rendered)
    }
}

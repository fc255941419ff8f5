import ArgumentParser
import XenopsCore

/// `xenopsctl task cancel ID`
struct TaskCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Ask a task to stop at its next cancellation point.",
        discussion: "Returns once the request is recorded; the task then fails with Cancelled (see 'task show')."
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The task id.") var id: String

    func run() async throws {
        let context = global.context("task cancel")
        try await context.client.taskCancel(id)
        if context.json { context.emit(.object([JSONMember("cancelled", .string(id))])) } else { Console.out("Cancellation of task \(id) requested") }
    }
}

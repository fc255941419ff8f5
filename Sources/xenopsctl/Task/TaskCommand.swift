import ArgumentParser

/// `xenopsctl task …`
struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Inspect and cancel the daemon's tasks.",
        subcommands: [TaskList.self, TaskShow.self, TaskCancel.self]
    )
}

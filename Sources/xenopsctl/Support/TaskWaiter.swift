import XenopsClient
import XenopsCore

/// Waits for the tasks a command started: with a progress bar on a terminal, destroying
/// each task once finished (as XAPI does), and turning a failure into the task's xenops error.
struct TaskWaiter {
    let context: CommandContext

    /// Waits for `tasks` in order (they sit in one VM's FIFO queue). `label` names the work
    /// for the progress bar. If a task fails, the ones after it are left to be destroyed by
    /// the daemon when they finish, and the failure is thrown.
    func wait(for tasks: [String], label: String) async throws -> [TaskInfo] {
        var finished: [TaskInfo] = []
        for (index, task) in tasks.enumerated() {
            let bar = context.showsProgress ? ProgressBar(label: label) : nil
            var progress: (@Sendable (Double) -> Void)?
            if let bar { progress = { bar.update($0) } }
            let info: TaskInfo
            do {
                info = try await context.client.waitForTask(task, timeout: context.waitTimeout, progress: progress)
            } catch {
                bar?.clear()
                throw error
            }
            bar?.clear()
            finished.append(info)
            if case .failed = info.state {
                for later in tasks[(index + 1)...] { try? await context.client.taskDestroyOnFinish(later) }
                try info.checkSucceeded()
            }
        }
        return finished
    }

    /// Prints the task ids of a `--no-wait` run: one per line, or `{"tasks": [...]}`.
    func printStarted(_ tasks: [String]) {
        if context.json {
            context.emit(.object([JSONMember("tasks", .array(tasks.map { .string($0) }))]))
        } else {
            for task in tasks { Console.out(task) }
        }
    }
}

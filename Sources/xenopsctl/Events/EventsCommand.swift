import ArgumentParser
import XenopsClient
import XenopsCore

/// `xenopsctl events`
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Follow UPDATES and print each change as it happens (until Ctrl-C).",
        discussion: """
            Long-polls UPDATES.get and prints one line per changed object: a UTC timestamp, the \
            object and its new state (for a VM its power state and domain). With --json each line \
            is a JSON object: {"time", "id" (a Dynamic.id), "state" (the object's xenops state, \
            null once it is gone)}.
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(help: ArgumentHelp("Print the changes after this UPDATES counter (default: only changes from now on).", valueName: "n"))
    var from: Int?
    @Flag(help: "Start with every object the daemon knows (UPDATES.get without last_id).") var all = false
    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds")) var timeout: Double?
    @Option(help: ArgumentHelp("Stop after printing this many changes.", valueName: "n")) var count: Int?

    func validate() throws {
        if all && from != nil { throw ValidationError("--all and --from exclude each other.") }
        if let from, from < -1 { throw ValidationError("--from must be a counter (0 or more).") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds.") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1.") }
    }

    func run() async throws {
        let context = global.context("events")
        let client = context.client
        var last: Int?
        if let from { last = from } else if !all { last = try await client.updatesLastID() }
        let deadline = timeout.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        var printed = 0
        while true {
            var poll = 30
            if let deadline {
                let left = deadline - .now
                if left <= .zero { return }
                poll = max(1, min(30, Int(left.components.seconds) + (left.components.attoseconds > 0 ? 1 : 0)))
            }
            let updates = try await client.updatesGet(lastID: last, timeout: poll)
            last = updates.next
            for barrier in updates.barriers {
                let time = Format.timestamp(Format.now())
                if context.json {
                    Console.out(JSONValue.object([JSONMember("time", .string(time)), JSONMember("barrier", barrier.xenops)]).jsonString)
                } else {
                    Console.out("\(time)  barrier \(barrier.id) (\(barrier.ids.count) object\(barrier.ids.count == 1 ? "" : "s"))")
                }
            }
            for id in updates.ids {
                let (words, state) = await Self.describe(id, client: client)
                let time = Format.timestamp(Format.now())
                if context.json {
                    Console.out(JSONValue.object([JSONMember("time", .string(time)), JSONMember("id", id.xenops), JSONMember("state", state)]).jsonString)
                } else {
                    Console.out("\(time)  \(id)  \(words)")
                }
                printed += 1
                if let count, printed >= count { return }
            }
        }
    }

    /// The object's new state, in words and as xenops JSON (`null` once it is gone).
    static func describe(_ id: DynamicID, client: XenopsClient) async -> (String, JSONValue) {
        do {
            switch id {
            case .vm(let vm):
                let (config, state) = try await client.vmStat(vm)
                return ("\(Format.powerWithDomain(state)) [\(config.name)]", state.xenops)
            case .vbd(let device):
                let (_, state) = try await client.vbdStat(device)
                return (state.plugged ? "plugged" : "unplugged", state.xenops)
            case .vif(let device):
                let (_, state) = try await client.vifStat(device)
                return (state.plugged ? "plugged" : "unplugged", state.xenops)
            case .task(let task):
                let info = try await client.taskStat(task)
                switch info.state {
                case .pending(let p): return ("pending \(Int((p * 100).rounded(.down)))% (\(info.dbg))", info.state.xenops)
                case .completed(let duration, _): return ("completed in \(Format.duration(duration)) (\(info.dbg))", info.state.xenops)
                case .failed(let payload): return ("failed: \(Format.failure(payload)) (\(info.dbg))", info.state.xenops)
                }
            case .pci, .vgpu, .vusb:
                return ("changed", .null)
            }
        } catch .xenops(.doesNotExist) {
            if case .task = id { return ("destroyed", .null) }
            return ("removed", .null)
        } catch {
            return ("changed (could not read its state: \(error.message))", .null)
        }
    }
}

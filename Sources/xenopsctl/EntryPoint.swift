import ArgumentParser
import Glibc
import XenopsClient

/// Parses the command line, runs the command and maps every outcome to an exit status:
/// 0 ok, 1 the operation failed, 2 usage error, 3 daemon not reachable, 4 timeout.
@main
enum EntryPoint {
    static func main() async {
        let arguments = GlobalOptions.hoist(Array(CommandLine.arguments.dropFirst()))
        let command: any ParsableCommand
        do {
            command = try XenopsCtl.parseAsRoot(arguments)
        } catch {
            exitForArgumentError(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
            exit(ExitStatus.ok.rawValue)
        } catch let error as CLIError {
            fail(error)
        } catch let error as XenopsClientError {
            fail(CLIError(error))
        } catch {
            exitForArgumentError(error)
        }
    }

    private static func fail(_ error: CLIError) -> Never {
        Console.err(error.rendered)
        exit(error.status.rawValue)
    }

    /// Help and version requests print to stdout and exit 0; every other parsing or
    /// validation error prints the parser's message and usage to stderr and exits 2.
    private static func exitForArgumentError(_ error: any Error) -> Never {
        if let code = error as? ExitCode { exit(code.rawValue) }
        let message = XenopsCtl.fullMessage(for: error)
        if XenopsCtl.exitCode(for: error) == .success {
            if !message.isEmpty { Console.out(message) }
            exit(ExitStatus.ok.rawValue)
        }
        Console.err(message + "\n")
        exit(ExitStatus.usage.rawValue)
    }
}

import Foundation
import XenopsTestSwitch

// A message-switch for tests (see XenopsTestSwitch.TestMessageSwitch): in memory, on a Unix
// socket. Prints "listening <path>" once it accepts connections; stops on SIGTERM/SIGKILL,
// losing every queue, like the real switch without --statedir.
let arguments = CommandLine.arguments
guard arguments.count == 3, arguments[1] == "--socket" else {
    FileHandle.standardError.write(Data("usage: xenops-test-switch --socket PATH\n".utf8))
    exit(2)
}
let testSwitch = TestMessageSwitch(socketPath: arguments[2])
do {
    try await testSwitch.start()
} catch {
    FileHandle.standardError.write(Data("xenops-test-switch: cannot listen on \(arguments[2]): \(error)\n".utf8))
    exit(1)
}
FileHandle.standardOutput.write(Data("listening \(arguments[2])\n".utf8))
while true {
    try await Task.sleep(for: .seconds(3600))
}

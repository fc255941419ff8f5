// xenops-store-torture: the writer half of the XenopsStore crash test.
//
// Usage: xenops-store-torture <db-path> [max-generations]
//
// Opens the store, continues from the generation already stored (0 if none), then puts
// generation after generation of TortureRecord.vmID, each in one transaction, and prints
// each committed generation on its own line as soon as put() returns. The crash test
// kills it with SIGKILL at a random moment and checks what survived.
import Foundation
import XenopsStore
import XenopsTestSupport

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("xenops-store-torture: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count == 2 || arguments.count == 3 else {
    fail("usage: xenops-store-torture <db-path> [max-generations]")
}
let maxGenerations = arguments.count == 3 ? Int(arguments[2]) : Int.max
guard let maxGenerations else { fail("max-generations must be an integer, not \(arguments[2])") }

do {
    let store = try VMStore(path: arguments[1])
    var generation = 0
    if let existing = try store.load(id: TortureRecord.vmID) {
        guard let stored = TortureRecord.generation(ofRuntime: existing.runtime) else {
            fail("the stored record has no generation: runtime \(existing.runtime ?? "nil")")
        }
        guard existing == TortureRecord.make(generation: stored) else {
            fail("the stored record of generation \(stored) is inconsistent")
        }
        generation = stored
    }
    FileHandle.standardError.write(Data("xenops-store-torture: starting after generation \(generation)\n".utf8))
    for _ in 0..<maxGenerations {
        generation += 1
        try store.put(TortureRecord.make(generation: generation))
        // FileHandle writes straight to the descriptor: no stdio buffer to lose on SIGKILL.
        FileHandle.standardOutput.write(Data("\(generation)\n".utf8))
    }
    try store.close()
} catch {
    fail(error.description)
}

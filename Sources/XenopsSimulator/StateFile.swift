import Foundation

/// The simulator's state file: JSON, replaced atomically (temporary file in the same
/// directory, fsync, rename, fsync of the directory) so a crash leaves the old or the new
/// state, never a torn one.
struct StateFile: Sendable {
    let path: String

    /// Reads the world from the file, or nil if there is no file yet.
    func load() throws(SimulatorStateError) -> SimulatedWorld? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        let world: SimulatedWorld
        do { world = try JSONDecoder().decode(SimulatedWorld.self, from: data) } catch {
            throw .corrupt(path: path, reason: Self.describe(error))
        }
        if let problem = world.inconsistency() { throw .corrupt(path: path, reason: problem) }
        return world
    }

    /// Writes the world durably.
    func save(_ world: SimulatedWorld) throws(SimulatorStateError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data: Data
        do { data = try encoder.encode(world) } catch { throw .unwritable(path: path, reason: "\(error)") }
        try AtomicFile.write(data, to: path)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return "not valid JSON (\(c.debugDescription))"
        case DecodingError.keyNotFound(let key, let c): return "missing field \(Self.path(c.codingPath + [key]))"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong value at \(Self.path(c.codingPath)): \(c.debugDescription)"
        default: return "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map(\.stringValue).joined(separator: ".")
    }
}

/// A failure to load or save the simulator's state file.
public enum SimulatorStateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The file does not hold a valid simulator state.
    case corrupt(path: String, reason: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)

    /// What went wrong with which file, and what to do.
    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the simulator state file \(path): \(reason). Check its permissions."
        case .corrupt(let path, let reason):
            return "the simulator state file \(path) is corrupt: \(reason). Move it aside to start with no domains."
        case .unwritable(let path, let reason):
            return "cannot write the simulator state file \(path): \(reason). Check the directory exists, is writable and has space."
        }
    }
}

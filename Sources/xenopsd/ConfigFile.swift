import Foundation
import Logging
import XenopsCore

/// The JSON configuration file (`--config FILE`): one object whose keys are the long
/// command-line options with `_` for `-`. Every key is optional; a command-line flag wins over
/// the file. Unknown keys are refused, so that a typo never silently falls back to a default.
struct ConfigFile: Equatable {
    var backend: BackendChoice?
    var stateDir: String?
    var socket: String?
    var workers: Int?
    var logLevel: Logger.Level?
    var maxBodyBytes: Int?
    var idleTimeoutSeconds: Int?
    var shutdownGraceSeconds: Int?
    var simStepLatencyMs: Int?
    var simHostMemoryMib: Int?
    var simCpus: Int?
    var simPersist: Bool?
    var eventLoopThreads: Int?
    var hooksDir: String?
    var hookTimeoutSeconds: Int?

    /// Every key the file may hold.
    static let keys = [
        "backend", "state_dir", "socket", "workers", "log_level", "max_body_bytes", "idle_timeout_seconds",
        "shutdown_grace_seconds", "event_loop_threads", "sim_step_latency_ms", "sim_host_memory_mib", "sim_cpus", "sim_persist",
        "hooks_dir", "hook_timeout_seconds",
    ]

    init() {}

    /// Reads and checks the file at `path`.
    static func load(_ path: String) throws(StartupError) -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StartupError(.configuration, "cannot read the config file \(path)", remedy: "Check the path given to --config and that this user may read it.")
        }
        do { return try ConfigFile(parsing: Array(data)) } catch {
            throw StartupError(.configuration, "bad config file \(path): \(error.text)", remedy: "Fix the file (see config/README.md for every key) or leave out --config.")
        }
    }

    /// Decodes the file's bytes.
    init(parsing bytes: [UInt8]) throws(ConfigFileError) {
        let json: JSONValue
        do { json = try JSONValue.parse(bytes, limits: JSONLimits(maxDepth: 8, maxBytes: 1 << 20)) } catch {
            throw ConfigFileError(text: "it is not valid JSON: \(error)")
        }
        guard case .object(let members) = json else {
            throw ConfigFileError(text: "it must hold one JSON object, found \(json.kindName)")
        }
        for member in members {
            let key = member.key
            let value = member.value
            switch key {
            case "backend":
                let name = try Self.string(key, value)
                guard let choice = BackendChoice(rawValue: name) else {
                    throw ConfigFileError(text: "\"backend\" is \"\(name)\"; use one of auto, libxl, simulator")
                }
                backend = choice
            case "state_dir": stateDir = try Self.string(key, value)
            case "socket": socket = try Self.string(key, value)
            case "workers": workers = try Self.int(key, value)
            case "log_level":
                let name = try Self.string(key, value)
                guard let level = Logger.Level(rawValue: name.lowercased()) else {
                    throw ConfigFileError(text: "\"log_level\" is \"\(name)\"; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                logLevel = level
            case "max_body_bytes": maxBodyBytes = try Self.int(key, value)
            case "idle_timeout_seconds": idleTimeoutSeconds = try Self.int(key, value)
            case "shutdown_grace_seconds": shutdownGraceSeconds = try Self.int(key, value)
            case "sim_step_latency_ms": simStepLatencyMs = try Self.int(key, value)
            case "sim_host_memory_mib": simHostMemoryMib = try Self.int(key, value)
            case "sim_cpus": simCpus = try Self.int(key, value)
            case "sim_persist": simPersist = try Self.bool(key, value)
            case "event_loop_threads": eventLoopThreads = try Self.int(key, value)
            case "hooks_dir": hooksDir = try Self.string(key, value)
            case "hook_timeout_seconds": hookTimeoutSeconds = try Self.int(key, value)
            default:
                throw ConfigFileError(text: "unknown key \"\(key)\"; the keys are \(Self.keys.joined(separator: ", "))")
            }
        }
    }

    private static func string(_ key: String, _ value: JSONValue) throws(ConfigFileError) -> String {
        guard case .string(let s) = value, !s.isEmpty else {
            throw ConfigFileError(text: "\"\(key)\" must be a non-empty string, found \(value.kindName)")
        }
        return s
    }

    private static func bool(_ key: String, _ value: JSONValue) throws(ConfigFileError) -> Bool {
        guard case .bool(let b) = value else {
            throw ConfigFileError(text: "\"\(key)\" must be true or false, found \(value.kindName)")
        }
        return b
    }

    private static func int(_ key: String, _ value: JSONValue) throws(ConfigFileError) -> Int {
        guard case .int(let n) = value, let int = Int(exactly: n) else {
            throw ConfigFileError(text: "\"\(key)\" must be an integer, found \(value.kindName)")
        }
        return int
    }
}

/// What is wrong with a config file, one line.
struct ConfigFileError: Error {
    var text: String
}

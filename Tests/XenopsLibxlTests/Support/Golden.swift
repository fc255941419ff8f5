import Foundation
import Testing

/// Golden JSON files under `Tests/XenopsLibxlTests/Golden/`, compared after normalising
/// (keys sorted, pretty-printed). Set `XENOPS_UPDATE_GOLDEN=1` to rewrite them.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden")

    /// `json` with sorted keys and fixed indentation, so formatting never matters.
    static func normalise(_ json: String) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Expects `json` to equal the golden file `name.json` (writing it when updating).
    static func expect(_ json: String, matches name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let actual = try normalise(json)
        let url = directory.appendingPathComponent("\(name).json")
        if ProcessInfo.processInfo.environment["XENOPS_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("golden file \(name).json is missing; run with XENOPS_UPDATE_GOLDEN=1 and review it", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == (try normalise(expected)), "libxl JSON differs from Golden/\(name).json", sourceLocation: sourceLocation)
    }
}

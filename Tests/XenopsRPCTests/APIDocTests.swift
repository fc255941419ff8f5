import Foundation
import Testing
import XenopsRPC

/// Keeps Docs/api.md true: every method of the catalog is listed there with its kind.
@Suite struct APIDocTests {
    static let doc: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("Docs/api.md"), encoding: .utf8)) ?? ""
    }()

    @Test func everyMethodIsDocumentedWithItsKind() {
        #expect(!Self.doc.isEmpty, "Docs/api.md is missing")
        for method in MethodCatalog.methods {
            let kind = method.kind == .unimplemented ? "**Unimplemented**" : method.kind.rawValue
            #expect(Self.doc.contains("| `\(method.name)` | \(kind) |"), "Docs/api.md does not list \(method.name) as \(kind)")
        }
    }
}

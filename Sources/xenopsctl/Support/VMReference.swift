import XenopsClient
import XenopsCore

/// Turns what an operator typed for a VM into its uuid: the uuid itself, a VM name, or a
/// unique prefix of a uuid (at least 4 characters). Anything else is passed on unchanged, so
/// the daemon reports `Does_not_exist` in its own words.
enum VMReference {
    static func resolve(_ reference: String, with client: XenopsClient) async throws -> String {
        if try await client.vmExists(reference) { return reference }
        let all = try await client.vmList()
        let byName = all.filter { $0.vm.name == reference }
        if byName.count == 1 { return byName[0].vm.id }
        if byName.count > 1 {
            throw CLIError.usage(
                "the name '\(reference)' matches \(byName.count) VMs: \(byName.map(\.vm.id).joined(separator: ", "))",
                hint: "Use the VM's uuid instead of its name.")
        }
        if reference.count >= 4 {
            let byPrefix = all.filter { $0.vm.id.hasPrefix(reference) }
            if byPrefix.count == 1 { return byPrefix[0].vm.id }
            if byPrefix.count > 1 {
                throw CLIError.usage(
                    "'\(reference)' is the start of \(byPrefix.count) VM uuids",
                    hint: "Type more of the uuid.")
            }
        }
        return reference
    }
}

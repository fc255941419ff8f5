import XenopsStore

/// The VM record of one generation. Every field carries the generation number, so a
/// reader can tell a consistent record (all fields of one generation) from a torn one.
/// `xenops-store-torture` writes these; the store's crash test compares what survived a
/// SIGKILL against them.
public enum TortureRecord {
    public static let vmID = "7e3c1f00-5a1e-4c0d-9b1e-0000000000a1"

    public static func make(generation g: Int) -> StoredVM {
        // About 200 KB of config spread over ~50 pages, so a commit takes a while.
        let padding = String(repeating: "\(g);", count: 200_000 / ("\(g);".utf8.count))
        let config = #"{"name":"torture","generation":\#(g),"padding":"\#(padding)"}"#
        let vbdCount = 1 + g % 4
        var devices = ["xvda", "xvdb", "xvdc", "xvdd"].prefix(vbdCount).map { name in
            StoredDevice(kind: .vbd, id: name, config: deviceConfig(g, name))
        }
        devices.append(StoredDevice(kind: .vif, id: "0", config: deviceConfig(g, "0")))
        if g % 2 == 0 {
            devices.append(StoredDevice(kind: .vif, id: "1", config: deviceConfig(g, "1")))
        }
        return StoredVM(
            id: vmID, config: config, devices: devices,
            domains: #"{"generation":\#(g)}"#, runtime: #"{"generation":\#(g)}"#)
    }

    private static func deviceConfig(_ g: Int, _ name: String) -> String {
        let padding = String(repeating: "\(g)", count: 2_000 / "\(g)".utf8.count)
        return #"{"id":"\#(name)","generation":\#(g),"padding":"\#(padding)"}"#
    }

    /// The generation written in a runtime blob `{"generation":N}`.
    public static func generation(ofRuntime runtime: String?) -> Int? {
        guard let runtime, runtime.hasPrefix(#"{"generation":"#), runtime.hasSuffix("}") else { return nil }
        return Int(runtime.dropFirst(#"{"generation":"#.count).dropLast())
    }
}

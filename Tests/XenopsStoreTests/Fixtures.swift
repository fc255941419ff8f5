import XenopsStore

/// Small VM records for the tests.
enum Fixtures {
    static func vm(_ id: String, config: String? = nil, devices: [StoredDevice]? = nil) -> StoredVM {
        StoredVM(
            id: id,
            config: config ?? #"{"id":"\#(id)","name":"vm \#(id)","memory_static_max":4294967296}"#,
            devices: devices ?? [
                vbd("xvda"),
                StoredDevice(kind: .vif, id: "0", config: #"{"id":["\#(id)","0"],"mac":"00:16:3e:00:00:01"}"#),
            ],
            domains: #"{"domid":7}"#,
            runtime: #"{"last_start_time":1718000000.25}"#)
    }

    static func vbd(_ name: String, _ extra: String = "") -> StoredDevice {
        StoredDevice(kind: .vbd, id: name, config: #"{"id":"\#(name)"\#(extra)}"#)
    }
}

import Foundation
import Testing
import XenopsCore

/// Issue 9 item 4 on the wire: the raw JSON-RPC documents XAPI sends for the guest-agent and
/// device-setting methods, against the real daemon (simulator backend).
@Suite struct RawRPCGuestAndSettingsTests {
    typealias Doc = RawRPCDocuments
    static let vm = Doc.vmID

    /// Imports the worked-example VM, starts and unpauses it.
    private func runningVM(_ daemon: DaemonProcess) async throws {
        _ = try await daemon.result(Doc.importMetadata())
        let start = try #require(try await daemon.result(Doc.start()).stringValue)
        _ = try await daemon.waitForTasks([start])
        let unpause = try #require(try await daemon.result(Doc.unpause()).stringValue)
        _ = try await daemon.waitForTasks([unpause])
    }

    /// Sends a task method and returns the finished task's `state`.
    private func finish(_ daemon: DaemonProcess, _ body: String) async throws -> JSONValue {
        let task = try #require(try await daemon.result(body).stringValue, "\(body) did not return a task id")
        let stat = try #require(try await daemon.waitForTasks([task])[task])
        return stat["state"] ?? .null
    }

    @Test func runScriptReturnsTheAgentsResultInTaskCompleted() async throws {
        try await withDaemon { daemon in
            try await runningVM(daemon)
            let state = try await finish(daemon, #"{"method":"VM.run_script","params":[{"debug_info":"xapi","id":"\#(Self.vm)","script":"echo hello\nexit 4"}],"id":40}"#)
            #expect(state.arrayElements?.first == .string("Completed"), "\(state.jsonString)")
            #expect(state.arrayElements?.last?["result"] == .object([JSONMember("rc", .int(4)), JSONMember("stdout", .string("hello\n")), JSONMember("stderr", .string(""))]))
        }
    }

    @Test func requestRDPCompletesAndWithoutADomainFailsDoesNotExistDomain() async throws {
        try await withDaemon { daemon in
            _ = try await daemon.result(Doc.importMetadata())
            let halted = try await finish(daemon, #"{"method":"VM.request_rdp","params":[{"debug_info":"xapi","id":"\#(Self.vm)","enabled":true}],"id":41}"#)
            #expect(halted == .array([.string("Failed"), .array([.string("Does_not_exist"), .array([.string("domain"), .string(Self.vm)])])]))
            let start = try #require(try await daemon.result(Doc.start()).stringValue)
            _ = try await daemon.waitForTasks([start])
            let state = try await finish(daemon, #"{"method":"VM.request_rdp","params":[{"debug_info":"xapi","id":"\#(Self.vm)","enabled":true}],"id":42}"#)
            #expect(state.arrayElements?.first == .string("Completed"), "\(state.jsonString)")
        }
    }

    @Test func setIPv4ConfigurationAndLockingModeAreStoredAndShownByVIFStat() async throws {
        try await withDaemon { daemon in
            try await runningVM(daemon)
            let v4 = try await finish(daemon, #"{"method":"VIF.set_ipv4_configuration","params":[{"debug_info":"xapi","id":["\#(Self.vm)","0"],"ipv4_configuration":["Static4",[["192.0.2.10/24"],["192.0.2.1"]]]}],"id":43}"#)
            #expect(v4.arrayElements?.first == .string("Completed"), "\(v4.jsonString)")
            let lock = try await finish(daemon, #"{"method":"VIF.set_locking_mode","params":[{"debug_info":"xapi","id":["\#(Self.vm)","0"],"locking_mode":["Locked",{"ipv4":["192.0.2.10"],"ipv6":[]}]}],"id":44}"#)
            #expect(lock.arrayElements?.first == .string("Completed"), "\(lock.jsonString)")
            let stat = try await daemon.result(#"{"method":"VIF.stat","params":[{"debug_info":"xapi","id":["\#(Self.vm)","0"]}],"id":45}"#)
            let vif = try #require(stat.arrayElements?.first)
            #expect(vif["ipv4_configuration"] == .array([.string("Static4"), .array([.array([.string("192.0.2.10/24")]), .array([.string("192.0.2.1")])])]))
            #expect(vif["locking_mode"] == .array([.string("Locked"), .object([JSONMember("ipv4", .array([.string("192.0.2.10")])), JSONMember("ipv6", .array([]))])]))
            // A Static4 without an address is refused, as xenopsd refuses it, and changes nothing.
            let bad = try await finish(daemon, #"{"method":"VIF.set_ipv4_configuration","params":[{"debug_info":"xapi","id":["\#(Self.vm)","0"],"ipv4_configuration":["Static4",[[],[]]]}],"id":46}"#)
            #expect(bad == .array([.string("Failed"), .array([.string("Internal_error"), .string("Static IPv4 configuration selected, but no address specified.")])]))
            let again = try await daemon.result(#"{"method":"VIF.stat","params":[{"debug_info":"xapi","id":["\#(Self.vm)","0"]}],"id":47}"#)
            #expect(again.arrayElements?.first?["ipv4_configuration"] == vif["ipv4_configuration"])
        }
    }

    @Test func vgpuStatOfAnUnknownDeviceIsDoesNotExist() async throws {
        try await withDaemon { daemon in
            _ = try await daemon.result(Doc.importMetadata())
            let reply = try await daemon.call(#"{"method":"VGPU.stat","params":[{"debug_info":"xapi","id":["\#(Self.vm)","0"]}],"id":48}"#)
            #expect(reply.text == #"{"result":null,"error":["Does_not_exist",["VM","\#(Self.vm)/vgpu.0"]],"id":48}"#)
        }
    }

    @Test func vusbUnplugOfAPlugFreeDeviceCompletesAndAnUnknownOneFails() async throws {
        try await withDaemon { daemon in
            try await runningVM(daemon)
            _ = try await daemon.result(#"{"method":"VUSB.add","params":[{"debug_info":"xapi","vusb":{"id":["\#(Self.vm)","u1"],"hostbus":"1","hostport":"2","version":"2.0","path":"/dev/bus/usb/001/002","speed":480.0}}],"id":49}"#)
            // Not plugged (a PV guest gets no USB passthrough): nothing to do, as xenopsd.
            let state = try await finish(daemon, #"{"method":"VUSB.unplug","params":[{"debug_info":"xapi","id":["\#(Self.vm)","u1"]}],"id":50}"#)
            #expect(state.arrayElements?.first == .string("Completed"), "\(state.jsonString)")
            let stat = try await daemon.result(#"{"method":"VUSB.stat","params":[{"debug_info":"xapi","id":["\#(Self.vm)","u1"]}],"id":51}"#)
            #expect(stat.arrayElements?.last == .object([JSONMember("plugged", .bool(false))]))
            let unknown = try await finish(daemon, #"{"method":"VUSB.unplug","params":[{"debug_info":"xapi","id":["\#(Self.vm)","u9"]}],"id":52}"#)
            #expect(unknown == .array([.string("Failed"), .array([.string("Does_not_exist"), .array([.string("VM"), .string("\(Self.vm)/vusb.u9")])])]))
        }
    }
}

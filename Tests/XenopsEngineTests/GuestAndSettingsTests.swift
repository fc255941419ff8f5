import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine
import XenopsSimulator

/// Issue 9 through the engine and the simulator: each method runs on the VM's queue, changes
/// what xenopsd changes and survives a restart where it is stored.
@Suite struct GuestAndSettingsTests {
    @Test func runScriptResultIsTheTasksResult() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let info = try await f.wait(f.engine.submit(.runScript("echo hello\necho oops >&2\nexit 3"), vm: vm, debugInfo: "t"))
        guard case .completed(_, let result) = info.state else { Issue.record("run_script: \(info.state)"); return }
        #expect(result == GuestScriptResult(rc: 3, stdout: "hello\n", stderr: "oops\n").json)
        // The agent reporting a failure is Failed_to_run_script.
        guard case .failedToRunScript = try await f.failure(.runScript("fail"), vm) else { Issue.record("fail did not fail"); return }
        let halted = try await f.define()
        #expect(try await f.failure(.runScript("echo x"), halted) == .doesNotExist(namespace: "domain", path: halted))
    }

    @Test func rdpAndS3AreWrittenForTheGuest() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let domid = try #require(try await f.simulator.domainInfo(vm: vm)).domid
        try await f.succeed(.requestRDP(true), vm)
        #expect(try await f.simulator.xenstoreRead(XenstoreLayout.rdpPath(domid: domid)) == "1")
        try await f.succeed(.s3Suspend, vm)
        #expect(f.simulator.isInS3(vm: vm))
        try await f.succeed(.s3Resume, vm)
        #expect(!f.simulator.isInS3(vm: vm))
    }

    @Test func shadowMultiplierIsForHVMAndShowsInTheState() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let pv = try await f.running()
        #expect(try await f.failure(.setShadowMultiplier(2), pv) == .unimplemented("shadow_multiplier for PV domains"))
        let hvm = UUID().uuidString.lowercased()
        var vm = VM(id: hvm, name: "hvm", ty: .hvm(HVMInfo()), memoryStaticMax: 256 << 20, vcpuMax: 2, vcpus: 1)
        vm.memoryDynamicMax = 256 << 20
        vm.memoryDynamicMin = 256 << 20
        _ = try await f.engine.importMetadata(Metadata(vm: vm), debugInfo: "t")
        try await f.succeed(.start(force: false), hvm)
        try await f.succeed(.setShadowMultiplier(2), hvm)
        #expect(f.simulator.shadowAllocationMiB(vm: hvm) == ShadowMemory.mib(staticMaxBytes: 256 << 20, vcpus: 2, multiplier: 2))
        #expect(try await f.engine.statVM(hvm).1.shadowMultiplierTarget == 2)
    }

    @Test func vifSettingsAreStoredAppliedAndSurviveARestart() async throws {
        let f = try await EngineFixture.make()
        let vm = try await f.running()
        let id = DeviceID(vm: vm, name: "0")
        let vif = try await f.engine.statVIF(id).0
        let domid = try #require(try await f.simulator.domainInfo(vm: vm)).domid
        let locked = LockingMode.locked(ipv4: ["10.0.0.2"], ipv6: ["fe80::2"])
        try await f.succeed(.vifSet("0", .lockingMode(locked)), vm)
        try await f.succeed(.vifSet("0", .ipv4(.static(cidrs: ["10.0.0.2/24"], gateway: "10.0.0.1"))), vm)
        try await f.succeed(.vifSet("0", .ipv6(.autoconf)), vm)
        try await f.succeed(.vifSet("0", .trunks([10, 20])), vm)
        try await f.succeed(.vifSet("0", .network(.local("xenbr1"))), vm)
        let proxy = PVSProxy(site: "s", servers: [.init(addresses: ["10.0.0.9"], firstPort: 6910, lastPort: 6930)], interface: "eth0")
        try await f.succeed(.vifSet("0", .pvsProxy(proxy)), vm)
        let priv = XenstoreLayout.privateVIFPath(vm: vm, devid: vif.position)
        #expect(try await f.simulator.xenstoreRead("\(priv)/locking-mode") == "locked")
        #expect(try await f.simulator.xenstoreRead("\(priv)/ipv6-allowed") == "fe80::2")
        #expect(try await f.simulator.xenstoreRead("\(XenstoreLayout.staticIPPath(domid: domid, devid: vif.position))/address") == "10.0.0.2/24")
        #expect(try await f.simulator.xenstoreRead("\(priv)/trunks") == "10,20")
        #expect(try await f.simulator.xenstoreRead("\(priv)/bridge") == "xenbr1")
        #expect(try await f.simulator.xenstoreRead("\(priv)/pvs-server-0-ports") == "6910-6930")
        func check(_ v: VIF) {
            #expect(v.lockingMode == locked)
            #expect(v.ipv4Configuration == .static(cidrs: ["10.0.0.2/24"], gateway: "10.0.0.1"))
            #expect(v.ipv6Configuration == .autoconf)
            #expect(v.trunks == [10, 20])
            #expect(v.backend == .local("xenbr1"))
            #expect(v.pvsProxy == proxy)
        }
        check(try await f.engine.statVIF(id).0)
        check(try #require(try f.engine.exportMetadata(vm).vifs.first))
        let g = try await f.restarted()
        defer { Task { await g.cleanup() } }
        check(try await g.engine.statVIF(id).0)
    }

    @Test func vifSettingOfAHaltedVMIsOnlyStored() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        try await f.succeed(.vifSet("0", .lockingMode(.disabled)), vm)
        #expect(try await f.engine.statVIF(DeviceID(vm: vm, name: "0")).0.lockingMode == .disabled)
        #expect(!f.backend.calls(for: vm).contains("VIF.set_locking_mode"))
    }

    @Test func settingsStoredWhileHaltedAreAppliedWhenTheVMStartsAndWhenAVIFIsPlugged() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        let locked = LockingMode.locked(ipv4: ["10.0.0.7"], ipv6: [])
        try await f.succeed(.vifSet("0", .lockingMode(locked)), vm)
        try await f.succeed(.vifSet("0", .ipv4(.static(cidrs: ["10.0.0.7/24"], gateway: nil))), vm)
        #expect(!f.backend.calls(for: vm).contains("VIF.set_locking_mode"))

        // VM.start plugs the VIF and applies what differs from the defaults, before it runs.
        try await f.succeed(.start(force: false), vm)
        let vif = try await f.engine.statVIF(DeviceID(vm: vm, name: "0")).0
        let domid = try #require(try await f.simulator.domainInfo(vm: vm)).domid
        let priv = XenstoreLayout.privateVIFPath(vm: vm, devid: vif.position)
        #expect(try await f.simulator.xenstoreRead("\(priv)/locking-mode") == "locked")
        #expect(try await f.simulator.xenstoreRead("\(priv)/ipv4-allowed") == "10.0.0.7")
        #expect(try await f.simulator.xenstoreRead("\(XenstoreLayout.staticIPPath(domid: domid, devid: vif.position))/address") == "10.0.0.7/24")

        // Unplugged and plugged again: applied again (a new backend device has no rules).
        try await f.succeed(.vifUnplug("0", force: false), vm)
        let before = f.backend.calls(for: vm).filter { $0 == "VIF.set_locking_mode" }.count
        try await f.succeed(.vifPlug("0"), vm)
        #expect(f.backend.calls(for: vm).filter { $0 == "VIF.set_locking_mode" }.count == before + 1)
    }

    @Test func aVIFSettingThatCannotBeAppliedFailsTheStartAndLeavesNoDomain() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        try await f.succeed(.vifSet("0", .lockingMode(.disabled)), vm)
        f.simulator.failNext(.applyVIFSetting, vm: vm, with: .failed(operation: "VIF.set_locking_mode", code: 1, detail: "no rules script", remedy: "install it"))
        let failure = try await f.failure(.start(force: false), vm)
        #expect(failure?.message.contains("no rules script") == true, "\(String(describing: failure))")
        #expect(try await f.simulator.domainInfo(vm: vm) == nil)
        #expect(try await f.power(vm) == .halted)
    }

    @Test func vusbAndVgpuAreStoredAndReported() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let hvm = UUID().uuidString.lowercased()
        _ = try await f.engine.importMetadata(Metadata(vm: VM(id: hvm, name: "hvm", ty: .hvm(HVMInfo()), memoryStaticMax: 256 << 20, vcpuMax: 1, vcpus: 1)), debugInfo: "t")
        let usb = DeviceID(vm: hvm, name: "u1")
        _ = try await f.engine.addVUSB(VUSB(id: usb, hostbus: "1", hostport: "2", version: "2.0", path: "/dev/bus/usb/001/002", speed: 480))
        await #expect(throws: XenopsError.alreadyExists(namespace: "VM", path: "\(hvm)/vusb.u1")) {
            _ = try await f.engine.addVUSB(VUSB(id: usb, hostbus: "1", hostport: "2", version: "2.0", path: "/dev/bus/usb/001/002", speed: 480))
        }
        #expect(try await f.failure(.vusbPlug("u1"), hvm) == .badPowerState(found: .halted, expected: .running))
        try await f.succeed(.start(force: false), hvm)
        try await f.succeed(.vusbPlug("u1"), hvm)
        #expect(try await f.engine.statVUSB(usb).1.plugged)
        await #expect(throws: XenopsError.deviceIsConnected) { try await f.engine.removeVUSB(usb) }
        try await f.succeed(.vusbUnplug("u1"), hvm)
        #expect(try await f.engine.statVUSB(usb).1.plugged == false)
        try await f.engine.removeVUSB(usb)
        #expect(try await f.engine.listVUSBs(vm: hvm).isEmpty)

        let gpu = DeviceID(vm: hvm, name: "0")
        await #expect(throws: XenopsError.doesNotExist(namespace: "VM", path: "\(hvm)/vgpu.0")) { _ = try await f.engine.statVGPU(gpu) }
        _ = try await f.engine.addVGPU(VGPU(id: gpu))
        #expect(try await f.engine.statVGPU(gpu).1 == VGPUState())
        #expect(try await f.engine.listVGPUs(vm: hvm).count == 1)
        try await f.engine.removeVGPU(gpu)
        #expect(try await f.engine.listVGPUs(vm: hvm).isEmpty)
    }

    @Test func dequarantineAndGuestAgentFeatures() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let address = PCIAddress(domain: 0, bus: 3, dev: 0, fn: 0)
        // Not quarantined: nothing to do, as xenopsd treats ENODEV.
        try await f.engine.dequarantinePCI(address)
        try await f.engine.updateGuestAgentFeatures([GuestAgentFeature(name: "static-ip-setting", licensed: true, parameters: ["mac": "1"])])
        #expect(try await f.simulator.xenstoreRead("/guest_agent_features/static-ip-setting/licensed") == "1")
        await #expect(throws: XenopsError.self) {
            try await f.engine.updateGuestAgentFeatures([GuestAgentFeature(name: "a/b", licensed: true)])
        }
    }
}

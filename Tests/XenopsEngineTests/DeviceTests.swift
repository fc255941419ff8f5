import Foundation
import Testing
import XenopsBackend
import XenopsCore
import XenopsEngine

@Suite("Devices: add, remove, plug, unplug, CD media")
struct DeviceTests {
    @Test func devicesArePluggedByStartAndReported() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let (vbd, state) = try await f.engine.statVBD(DeviceID(vm: vm, name: "xvda"))
        #expect(vbd.backend == .local("/dev/vg/\(vm.prefix(8))"))
        #expect(state.plugged && state.active)
        let vifs = try await f.engine.listVIFs(vm: vm)
        #expect(vifs.count == 1 && vifs[0].1.plugged)
        let halted = try await f.define()
        #expect(try await f.engine.statVBD(DeviceID(vm: halted, name: "xvda")).1.plugged == false)
    }

    @Test func hotplugDiskAndNIC() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let disk = DeviceID(vm: vm, name: "xvdb")
        _ = try await f.engine.addVBD(VBD(id: disk, position: DevicePosition(bus: .xen, disk: 1), backend: .local("/dev/sdb")))
        #expect(try await f.engine.statVBD(disk).1.plugged == false)
        try await f.succeed(.vbdPlug("xvdb"), vm)
        #expect(try await f.engine.statVBD(disk).1.plugged)
        await #expect(throws: XenopsError.deviceIsConnected) { try await f.engine.removeVBD(disk) }
        try await f.succeed(.vbdUnplug("xvdb", force: false), vm)
        #expect(try await f.engine.statVBD(disk).1.plugged == false)
        try await f.engine.removeVBD(disk)
        await #expect(throws: XenopsError.doesNotExist(namespace: "VM", path: "\(vm)/vbd.xvdb")) { _ = try await f.engine.statVBD(disk) }

        let nic = DeviceID(vm: vm, name: "1")
        _ = try await f.engine.addVIF(VIF(id: nic, position: 1, mac: "aa:bb:cc:00:00:02"))
        await #expect(throws: XenopsError.alreadyExists(namespace: "VM", path: "\(vm)/vif.1")) {
            _ = try await f.engine.addVIF(VIF(id: nic, position: 1))
        }
        try await f.succeed(.vifPlug("1"), vm)
        #expect(try await f.engine.statVIF(nic).1.plugged)
        try await f.succeed(.vifSetCarrier("1", false), vm)
        #expect(try await f.engine.statVIF(nic).1.mediaPresent == false)
        try await f.succeed(.vifUnplug("1", force: false), vm)
        #expect(try await f.engine.statVIF(nic).1.plugged == false)
    }

    @Test func plugOnHaltedVMIsRefused() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.define()
        #expect(try await f.failure(.vbdPlug("xvda"), vm) == .badPowerState(found: .halted, expected: .running))
        #expect(try await f.failure(.vbdPlug("nope"), vm) == .doesNotExist(namespace: "VM", path: "\(vm)/vbd.nope"))
    }

    @Test func cdInsertAndEject() async throws {
        let f = try await EngineFixture.make()
        defer { Task { await f.cleanup() } }
        let vm = try await f.running()
        let cd = DeviceID(vm: vm, name: "xvdd")
        #expect(try await f.engine.statVBD(cd).1.backendPresent == nil)
        #expect(try await f.failure(.vbdEject("xvdd"), vm) == .mediaNotPresent)
        try await f.succeed(.vbdInsert("xvdd", .local("/srv/iso/debian.iso")), vm)
        #expect(try await f.engine.statVBD(cd).1.backendPresent == .local("/srv/iso/debian.iso"))
        #expect(try await f.failure(.vbdInsert("xvdd", .local("/other.iso")), vm) == .mediaPresent)
        #expect(try await f.failure(.vbdEject("xvda"), vm) == .mediaNotEjectable)
        try await f.succeed(.vbdEject("xvdd"), vm)
        #expect(try await f.engine.statVBD(cd).1.backendPresent == nil)
    }
}

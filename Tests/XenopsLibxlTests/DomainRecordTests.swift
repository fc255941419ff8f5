import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

@Suite struct DomainRecordTests {
    @Test func recordsDevicesAndRoundTrips() throws {
        var spec = DomainSpec(vm: Fixtures.vm(.hvm(HVMInfo())))
        spec.vbds = [Fixtures.disk("xvda", "/dev/sda", index: 0), Fixtures.disk("cd", nil, bus: .ide, index: 3, ty: .cdrom)]
        spec.vifs = [Fixtures.nic(2, mac: "00:16:3e:00:00:02")]
        spec.pcis = [PCI(id: DeviceID(vm: Fixtures.uuid, name: "0"), position: 0, address: PCIAddress(domain: 0, bus: 3, dev: 0, fn: 1))]
        let record = DomainRecord(spec: spec, vbdVdev: DomainConfigBuilder.vdev(of:), now: 1000)
        #expect(record.type == .hvm)
        #expect(record.vbds["cd"] == .init(vdev: "xvdd", cdrom: true, unpluggable: true, media: nil))
        #expect(record.vbdName(vdev: "xvda") == "xvda")
        #expect(record.vifs["2"]?.devid == 2)
        #expect(record.pcis["0"]?.address == PCIAddress(domain: 0, bus: 3, dev: 0, fn: 1))
        let expected: [String: Disk?] = ["xvda": .local("/dev/sda"), "cd": Disk?.none]
        #expect(record.devices.vbds == expected)
        #expect(DomainRecord.decode(record.encoded()) == record)
        #expect(DomainRecord.decode(Array("garbage".utf8)) == nil)
    }
}

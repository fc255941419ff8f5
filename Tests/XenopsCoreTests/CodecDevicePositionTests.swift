import Testing
import XenopsCore

/// `Device_number.to_linux_device`, which is how XAPI names VBDs.
@Suite("Codec: DevicePosition.linuxDeviceName")
struct CodecDevicePositionTests {
    @Test(
        "matches Device_number.to_linux_device",
        arguments: [
            (DevicePosition(bus: .xen, disk: 0), "xvda"),
            (DevicePosition(bus: .xen, disk: 1), "xvdb"),
            (DevicePosition(bus: .xen, disk: 25), "xvdz"),
            (DevicePosition(bus: .xen, disk: 26), "xvdaa"),
            (DevicePosition(bus: .xen, disk: 27), "xvdab"),
            (DevicePosition(bus: .xen, disk: 51), "xvdaz"),
            (DevicePosition(bus: .xen, disk: 52), "xvdba"),
            (DevicePosition(bus: .xen, disk: 701), "xvdzz"),
            (DevicePosition(bus: .xen, disk: 702), "xvdaaa"),
            (DevicePosition(bus: .ide, disk: 0), "xvda"),
            (DevicePosition(bus: .ide, disk: 3), "xvdd"),
            (DevicePosition(bus: .scsi, disk: 0), "sda"),
            (DevicePosition(bus: .scsi, disk: 2), "sdc"),
            (DevicePosition(bus: .floppy, disk: 0), "fda"),
            (DevicePosition(bus: .floppy, disk: 1), "fdb"),
            (DevicePosition(bus: .xen, disk: 0, partition: 1), "xvda1"),
            (DevicePosition(bus: .xen, disk: 26, partition: 15), "xvdaa15"),
            (DevicePosition(bus: .scsi, disk: 2, partition: 3), "sdc3"),
            (DevicePosition(bus: .ide, disk: 1, partition: 2), "xvdb2"),
        ])
    func linuxDeviceName(position: DevicePosition, name: String) {
        #expect(position.linuxDeviceName == name)
    }

    @Test("the HVM disk of §3.5 (a) is xvda at [\"Ide\",0,0]")
    func workedExample() throws {
        let vbd = try #require(try CodecFixtures.decode(Metadata.self, CodecFixtures.fullMetadata).vbds.first)
        #expect(vbd.position?.linuxDeviceName == vbd.id.name)
    }
}

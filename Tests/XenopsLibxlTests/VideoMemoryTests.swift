import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

/// qemu-xen refuses less than 8 MiB (Cirrus) or 16 MiB (standard VGA) of video RAM; XAPI's
/// default is 4 MiB. The translation raises it to the card's minimum and never lowers it.
@Suite struct VideoMemoryTests {
    let builder = DomainConfigBuilder()

    func videoKiB(_ video: VideoCard, mib: Int, platform: [String: String] = [:]) throws -> UInt64 {
        var info = HVMInfo()
        info.video = video
        info.videoMib = mib
        var vm = Fixtures.vm(.hvm(info))
        vm.platformdata = platform
        let box = try builder.build(DomainSpec(vm: vm))
        // The box frees the config when it goes: read it while the box is certainly alive.
        return withExtendedLifetime(box) { box.pointer.pointee.b_info.video_memkb }
    }

    @Test(arguments: [
        (VideoCard.cirrus, 4, UInt64(8192)), (.cirrus, 8, 8192), (.cirrus, 32, 32768),
        (.standardVGA, 4, 16384), (.standardVGA, 8, 16384), (.standardVGA, 64, 65536),
    ])
    func raisedToTheCardsMinimumOnly(video: VideoCard, mib: Int, expectedKiB: UInt64) throws {
        #expect(try videoKiB(video, mib: mib) == expectedKiB)
    }

    @Test func platformVideoramIsRaisedToo() throws {
        #expect(try videoKiB(.cirrus, mib: 16, platform: ["videoram": "2"]) == 8192)
        #expect(try videoKiB(.cirrus, mib: 4, platform: ["videoram": "12"]) == 12288)
    }
}

import Testing
import XenopsCore

@Suite struct MigrateRequestTests {
    @Test func temporaryIDsAreXenopsdsExample() {
        let id = "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"
        #expect(MigrateRequest.temporaryID(of: id, destination: false) == "7b719ce6-0b17-9733-e8ee-000000000000")
        #expect(MigrateRequest.temporaryID(of: id, destination: true) == "7b719ce6-0b17-9733-e8ee-000000000001")
    }

    @Test func urlPartsPortsAndQuery() throws {
        let u = try MigrationURL("http://10.0.0.2/services/xenops?session_id=OpaqueRef:abc")
        #expect(u.host == "10.0.0.2" && u.port == 80 && u.path == "/services/xenops" && u.query == "session_id=OpaqueRef:abc")
        #expect(u.target(appending: "/migrate/vm/x") == "/services/xenops/migrate/vm/x?session_id=OpaqueRef:abc")
        #expect(u.hostHeader == "10.0.0.2")
        let v6 = try MigrationURL("http://[::1]:8080/services/xenops")
        #expect(v6.host == "::1" && v6.port == 8080 && v6.hostHeader == "[::1]:8080" && v6.target() == "/services/xenops")
        #expect(try MigrationURL("https://h").port == 443)
    }

    @Test func badURLsAreFailedToContactRemoteServiceNamingThemAsGiven() {
        for text in ["not a url", "ftp://h/x", "http://:80/x", "http://h:99999/x", "http://[::1/x"] {
            #expect {
                _ = try MigrationURL(text)
            } throws: { error in
                guard case .failedToContactRemoteService(let s)? = error as? XenopsError else { return false }
                return s == text
            }
        }
    }

    @Test func redactionDropsTheSessionAndUserInfo() {
        #expect(MigrationURL.redacted("http://root:pw@h:80/services/xenops?session_id=OpaqueRef:secret") == "http://h:80/services/xenops")
    }

    @Test func metadataIsRemappedAndRenamedTextually() throws {
        let id = "7b719ce6-0b17-9733-e8ee-dbc1e6e7b701"
        var vm = VM(id: id, ty: .pv(PVInfo(boot: .indirect(IndirectBoot(bootloader: "pygrub", devices: [.vdi("sr/boot"), .local("/dev/x")])))), memoryStaticMax: 1 << 30)
        vm.xsdata["origin"] = id
        let vbd = VBD(id: DeviceID(vm: id, name: "xvda"), backend: .vdi("sr/boot"))
        let vbd2 = VBD(id: DeviceID(vm: id, name: "xvdb"), backend: .vdi("sr/other"))
        let vif = VIF(id: DeviceID(vm: id, name: "0"), backend: .local("xenbr0"))
        let vif1 = VIF(id: DeviceID(vm: id, name: "1"))
        let request = MigrateRequest(vdiMap: ["sr/boot": "sr2/boot"], vifMap: ["0": .local("xenbr9")], xenopsURL: "http://h/")
        let m = Metadata(vm: vm, vbds: [vbd, vbd2], vifs: [vif, vif1]).remapped(for: request)
        #expect(m.vbds.map(\.backend) == [.vdi("sr2/boot"), .vdi("sr/other")])
        #expect(m.vifs.map(\.backend) == [.local("xenbr9"), vif1.backend])
        guard case .pv(let info) = m.vm.ty, case .indirect(let boot) = info.boot else { Issue.record("boot changed kind"); return }
        #expect(boot.devices == [.vdi("sr2/boot"), .local("/dev/x")])
        let tmp = MigrateRequest.temporaryID(of: id, destination: true)
        let text = m.jsonText(replacing: id, with: tmp)
        #expect(!text.contains(id))
        let back = try Metadata(xenops: try JSONValue.parse(text))
        #expect(back.vm.id == tmp && back.vm.xsdata["origin"] == tmp && back.vbds.allSatisfy { $0.id.vm == tmp })
    }
}

import Foundation
import XenopsBackend
import XenopsCore

/// The guest the cases boot: a PV domain with a directly booted kernel (a tiny Linux is
/// enough: it must answer control/shutdown and suspend, as every Linux PV kernel does).
struct TestGuest: Sendable {
    var kernel: String?
    var ramdisk: String?
    var cmdline: String
    var bridge: String
    var diskDirectory: String

    /// A PV VM spec with a fresh uuid. Without a kernel the path is a placeholder: only the
    /// simulator, which never reads it, can create such a domain.
    func spec(name: String, vcpuMax: Int = 1, memoryMiB: Int64 = 128) -> DomainSpec {
        var info = PVInfo(boot: .direct(DirectBoot(kernel: kernel ?? "/nonexistent/kernel", cmdline: cmdline, ramdisk: ramdisk)))
        info.framebuffer = false
        info.vncterm = false
        let uuid = UUID().uuidString.lowercased()
        let vm = VM(id: uuid, name: "conformance-\(name)-\(uuid.prefix(4))", ty: .pv(info), memoryStaticMax: memoryMiB << 20, vcpuMax: vcpuMax, vcpus: 1)
        return DomainSpec(vm: vm)
    }

    /// A sparse image file for disk cases; the caller removes it.
    func scratchDisk(megabytes: Int = 16) throws -> String {
        let path = (diskDirectory as NSString).appendingPathComponent("xenops-conformance-\(UUID().uuidString.prefix(8)).img")
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CaseFailure(description: "cannot create \(path)") }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(megabytes) << 20)
        try handle.close()
        return path
    }
}

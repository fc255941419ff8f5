import Foundation
import Synchronization
import XenopsBackend
import XenopsCore

/// What the conformance cases need to know about the host they run on.
public struct ConformanceSettings: Sendable {
    /// A PV kernel the guests boot directly (on real Xen: a small kernel with PV drivers, so the
    /// guest answers shutdown requests).
    public var kernelPath: String
    /// An initrd for the kernel, if it needs one.
    public var ramdiskPath: String?
    /// The guest kernel's command line.
    public var kernelCommandLine: String
    /// Memory of each test domain.
    public var memoryBytes: Int64
    /// The bridge test VIFs are connected to.
    public var bridge: String
    /// Where disk and save images are created; must exist and be writable.
    public var scratchDirectory: String
    /// Whether HVM domains can be built here (nested Xen under TCG cannot).
    public var supportsHVM: Bool
    /// Whether Xen can track a running guest's dirty pages (log-dirty mode), which a live
    /// save needs (nested Xen under TCG refuses it for PV guests).
    public var supportsLiveSave: Bool
    /// Seconds a guest gets to acknowledge a shutdown request.
    public var ackTimeout: Double
    /// Seconds a guest gets to shut down after acknowledging.
    public var shutdownTimeout: Double
    /// Seconds to wait for an expected backend event.
    public var eventTimeout: Double
    /// Prefix of test domain names, so leftovers are easy to spot.
    public var namePrefix: String
    /// Block devices (e.g. loop devices) that ``ConformanceContext/makeDiskImage(name:bytes:)``
    /// hands out instead of creating sparse files, each to one case at a time. A dom0 without
    /// QEMU can back guest disks only with block devices (libxl's `phy` backend): files need
    /// the qdisk backend, which is QEMU.
    public var blockDevices: [String]

    /// Settings; only the kernel and the scratch directory have no default.
    public init(
        kernelPath: String, ramdiskPath: String? = nil, kernelCommandLine: String = "console=hvc0",
        memoryBytes: Int64 = 128 << 20, bridge: String = "xenbr0", scratchDirectory: String,
        supportsHVM: Bool = true, supportsLiveSave: Bool = true, ackTimeout: Double = 30, shutdownTimeout: Double = 60,
        eventTimeout: Double = 30, namePrefix: String = "conformance", blockDevices: [String] = []
    ) {
        self.kernelPath = kernelPath
        self.ramdiskPath = ramdiskPath
        self.kernelCommandLine = kernelCommandLine
        self.memoryBytes = memoryBytes
        self.bridge = bridge
        self.scratchDirectory = scratchDirectory
        self.supportsHVM = supportsHVM
        self.supportsLiveSave = supportsLiveSave
        self.ackTimeout = ackTimeout
        self.shutdownTimeout = shutdownTimeout
        self.eventTimeout = eventTimeout
        self.namePrefix = namePrefix
        self.blockDevices = blockDevices
    }
}

/// The hypervisor under test plus what the cases need: settings, a spec factory, the backend's
/// events, and cleanup of every domain a case made a spec for.
///
/// Make **one** context per hypervisor (it becomes the single consumer of
/// ``Hypervisor/events``); ``BackendConformance/Case/run(in:)`` gives each case its own scope.
public final class ConformanceContext: Sendable {
    /// The backend under test.
    public let hypervisor: any Hypervisor
    /// What the host offers and how long to wait.
    public let settings: ConformanceSettings
    /// Every event the hypervisor has emitted since the context was made.
    public let events: ConformanceEventLog
    /// VM uuids handed out by ``makeSpec(name:hvm:vcpus:vcpuMax:memoryBytes:)`` and files made
    /// by ``makeDiskImage(name:bytes:)`` in this scope, for ``cleanUp()``.
    private let owned = Mutex<(vms: [String], files: [String], devices: [String])>(([], [], []))
    /// The ``ConformanceSettings/blockDevices`` some scope is using, shared by all scopes.
    private let devicesInUse: DevicesInUse

    /// Starts consuming `hypervisor.events`.
    public convenience init(hypervisor: any Hypervisor, settings: ConformanceSettings) {
        self.init(hypervisor: hypervisor, settings: settings, events: ConformanceEventLog(hypervisor: hypervisor), devicesInUse: DevicesInUse())
    }

    private init(hypervisor: any Hypervisor, settings: ConformanceSettings, events: ConformanceEventLog, devicesInUse: DevicesInUse) {
        self.hypervisor = hypervisor
        self.settings = settings
        self.events = events
        self.devicesInUse = devicesInUse
    }

    /// A context sharing this one's hypervisor, settings, event log and block devices, with its
    /// own cleanup list.
    public func scoped() -> ConformanceContext {
        ConformanceContext(hypervisor: hypervisor, settings: settings, events: events, devicesInUse: devicesInUse)
    }

    /// A spec for a small test VM with a fresh uuid: a PV guest booting
    /// ``ConformanceSettings/kernelPath`` directly, or an HVM guest. The uuid is remembered
    /// so that ``cleanUp()`` destroys its domain.
    public func makeSpec(name: String? = nil, hvm: Bool = false, vcpus: Int = 1, vcpuMax: Int = 2, memoryBytes: Int64? = nil) -> DomainSpec {
        let uuid = UUID().uuidString.lowercased()
        owned.withLock { $0.vms.append(uuid) }
        let builder: BuilderInfo
        if hvm {
            var info = HVMInfo()
            info.bootOrder = "dc"
            builder = .hvm(info)
        } else {
            var pv = PVInfo(boot: .direct(DirectBoot(kernel: settings.kernelPath, cmdline: settings.kernelCommandLine, ramdisk: settings.ramdiskPath)))
            pv.framebuffer = false
            pv.vncterm = false
            builder = .pv(pv)
        }
        let memory = memoryBytes ?? settings.memoryBytes
        var vm = VM(
            id: uuid, name: name ?? "\(settings.namePrefix)-\(uuid.prefix(8))", ty: builder,
            memoryStaticMax: memory, memoryDynamicMax: memory, memoryDynamicMin: memory,
            vcpuMax: vcpuMax, vcpus: vcpus)
        vm.onShutdown = [.shutdown]
        vm.onReboot = [.shutdown]
        vm.onCrash = [.shutdown]
        return DomainSpec(vm: vm)
    }

    /// A VBD for `spec`'s VM: a disk on `backend` (nil: an empty drive) at `xvd<letter>` of
    /// index `disk` (on the IDE bus for an HVM CD drive).
    public func vbd(for spec: DomainSpec, name: String, disk: Int, backend: Disk?, kind: VBD.Kind = .disk, mode: VBD.Mode = .readWrite) -> VBD {
        let hvm = spec.vm.ty.domainType == .hvm
        let bus: DevicePosition.Bus = kind == .cdrom && hvm ? .ide : .xen
        return VBD(id: DeviceID(vm: spec.vm.id, name: name), position: DevicePosition(bus: bus, disk: disk), mode: mode, backend: backend, ty: kind)
    }

    /// A VIF for `spec`'s VM on ``ConformanceSettings/bridge`` with a random Xen-range MAC.
    public func vif(for spec: DomainSpec, name: String, position: Int) -> VIF {
        let bytes = (0..<3).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }
        return VIF(id: DeviceID(vm: spec.vm.id, name: name), position: position, mac: "00:16:3e:" + bytes.joined(separator: ":"), backend: .local(settings.bridge))
    }

    /// Creates a sparse file of `bytes` in the scratch directory (a raw disk or ISO image) and
    /// returns its path. It is deleted by ``cleanUp()``. When the settings list
    /// ``ConformanceSettings/blockDevices``, returns a free one of those instead (released by
    /// ``cleanUp()``), whatever its size.
    public func makeDiskImage(name: String, bytes: Int64 = 16 << 20) throws -> String {
        if !settings.blockDevices.isEmpty {
            let device = devicesInUse.paths.withLock { inUse -> String? in
                guard let free = settings.blockDevices.first(where: { !inUse.contains($0) }) else { return nil }
                inUse.insert(free)
                return free
            }
            guard let device else {
                throw ConformanceFailure("all \(settings.blockDevices.count) block devices (\(settings.blockDevices.joined(separator: ", "))) are in use; give more")
            }
            owned.withLock { $0.devices.append(device) }
            return device
        }
        let path = (settings.scratchDirectory as NSString).appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)")
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ConformanceFailure("cannot create disk image \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard ftruncate(fd, off_t(bytes)) == 0 else { throw ConformanceFailure("cannot size disk image \(path): \(String(cString: strerror(errno)))") }
        owned.withLock { $0.files.append(path) }
        return path
    }

    /// A path in the scratch directory for a file the case creates itself; deleted by ``cleanUp()``.
    public func scratchFile(_ name: String) -> String {
        let path = (settings.scratchDirectory as NSString).appendingPathComponent("\(UUID().uuidString.prefix(8))-\(name)")
        owned.withLock { $0.files.append(path) }
        return path
    }

    /// Destroys the domain of every VM this scope made a spec for and deletes its files.
    /// Returns what could not be cleaned up.
    public func cleanUp() async -> [String] {
        let (vms, files, devices) = owned.withLock { o in
            defer { o = ([], [], []) }
            return (o.vms, o.files, o.devices)
        }
        var problems: [String] = []
        for vm in vms.reversed() {
            do { try await hypervisor.destroy(vm: vm) } catch { problems.append("destroy \(vm): \(error)") }
        }
        for file in files { unlink(file) }
        // Released only after the domains using them are gone.
        devicesInUse.paths.withLock { $0.subtract(devices) }
        return problems
    }

    /// Polls `vm`'s domain until `predicate` holds, up to the event timeout: for what a running
    /// guest does in its own time (bringing vCPUs on or offline), which an emulated host can make
    /// slow. Returns the last ``DomainInfo`` seen; throws naming `what` and that info otherwise.
    @discardableResult
    public func eventually(_ vm: String, _ what: String, _ predicate: @escaping @Sendable (DomainInfo) -> Bool) async throws -> DomainInfo {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(settings.eventTimeout * 1000)))
        while true {
            let info = try Verify.unwrap(try await hypervisor.domainInfo(vm: vm), "domainInfo while waiting for \(what)")
            if predicate(info) { return info }
            guard ContinuousClock.now < deadline else {
                throw ConformanceFailure("\(what) did not happen within \(settings.eventTimeout) s (vcpusOnline \(info.vcpusOnline), state \(info.state))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Waits for an event about `vm` that `matching` accepts.
    public func waitForEvent(about vm: String, _ what: String, matching: @escaping @Sendable (BackendEvent) -> Bool) async throws -> BackendEvent {
        try await events.wait(for: what, timeout: settings.eventTimeout) { $0.vm == vm && matching($0) }
    }
}

/// Block devices handed out by some scope of a ``ConformanceContext`` (a class, so that the
/// scopes share one set).
final class DevicesInUse: Sendable {
    let paths = Mutex<Set<String>>([])
}

/// The single consumer of a hypervisor's event stream: records every event so that cases can
/// wait for the ones they expect.
public final class ConformanceEventLog: Sendable {
    private let recorded = Mutex<[BackendEvent]>([])

    /// Starts a task that records `hypervisor.events` until the stream finishes.
    public init(hypervisor: any Hypervisor) {
        let stream = hypervisor.events
        Task { [self] in
            for await event in stream { recorded.withLock { $0.append(event) } }
        }
    }

    /// Every event recorded so far, oldest first.
    public var all: [BackendEvent] { recorded.withLock { $0 } }

    /// Waits up to `timeout` seconds for a recorded event that `predicate` accepts.
    public func wait(for what: String, timeout: Double, _ predicate: @escaping @Sendable (BackendEvent) -> Bool) async throws -> BackendEvent {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .milliseconds(Int64(timeout * 1000)))
        while true {
            // The predicate runs outside the lock, so it may look at the log itself.
            if let event = all.first(where: predicate) { return event }
            if clock.now >= deadline {
                throw ConformanceFailure("no \(what) event within \(timeout) s; events seen: \(all.map { "\($0)" }.joined(separator: ", "))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

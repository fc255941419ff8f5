import XenopsCore

/// The seam between the toolstack engine and a hypervisor.
///
/// Domains are addressed by VM uuid: the Xen domain handle equals the VM uuid, so a domain
/// can be found again after a daemon restart without storing its domid. Devices are
/// addressed by their xenops device name (`"xvda"`, `"0"`). Every method may be called
/// concurrently for different VMs; the engine never calls two mutating methods for the same
/// VM at once. Failures are thrown as ``BackendError``.
///
/// Long waits (`requestShutdown`, `waitForShutdown`, `save`, `restore`) must return soon
/// (within a few seconds) after the calling Swift task is cancelled, throwing
/// `CancellationError` or ``BackendError/cancelled``.
public protocol Hypervisor: AnyObject, Sendable {
    /// A short name for logs and `HOST.stat`: `"simulator"`, `"libxl"`.
    var kind: String { get }

    // MARK: Host

    /// CPU, hypervisor version and chipset facts.
    func hostInfo() async throws -> HostInfo
    /// Total host RAM in MiB.
    func totalMemoryMiB() async throws -> Int64
    /// Free host memory in bytes (what a new domain can get).
    func freeMemoryBytes() async throws -> Int64
    /// The hypervisor console ring (`xl dmesg`).
    func consoleData() async throws -> String

    // MARK: Host policy (XAPI start-up and pool join; defaults in Hypervisor+HostPolicy.swift)

    /// Sends Xen debug keys (`HOST.send_debug_keys`); their output goes to the console ring.
    func sendDebugKeys(_ keys: String) async throws
    /// The common subset of two host featuresets (`HOST.combine_cpu_policies`, pool levelling).
    func combineCPUFeaturesets(_ a: CPUFeatureset, _ b: CPUFeatureset) async throws -> CPUFeatureset
    /// Whether a VM with featureset `vm` may run on a host offering `host` (`HOST.is_compatible`).
    func checkCPUCompatibility(vm: CPUFeatureset, host: CPUFeatureset) async throws -> CPUCompatibility

    // MARK: Domains

    /// Every domain the hypervisor has, managed by us or not (dom0 included).
    func listDomains() async throws -> [DomainInfo]
    /// The domain of a VM, or nil if it has none.
    func domainInfo(vm: String) async throws -> DomainInfo?
    /// Creates and builds a domain for `spec`, attaches its devices, and leaves it **paused**.
    /// On failure nothing is left behind.
    func createDomain(_ spec: DomainSpec) async throws -> DomainInfo
    func pause(vm: String) async throws
    func unpause(vm: String) async throws
    /// Asks the guest to shut down, reboot or suspend, and waits up to `ackTimeout` seconds for
    /// it to acknowledge. Throws `XenopsError.failedToAcknowledgeShutdownRequest` (or the
    /// suspend variant) through ``BackendError/xenops(_:)`` if it does not.
    func requestShutdown(vm: String, reason: ShutdownRequest, ackTimeout: Double) async throws
    /// Waits until the domain has shut down (any reason) and returns the reason. Throws
    /// `XenopsError.failedToShutdown` after `timeout` seconds.
    func waitForShutdown(vm: String, timeout: Double) async throws -> ShutdownReason
    /// Destroys the domain at once (hard). Succeeds if it is already gone.
    func destroy(vm: String) async throws
    /// Suspends the domain into `fd` (libxl's save stream, or the simulator's image). The
    /// domain is left shut down with reason `suspend`.
    func save(vm: String, to fd: Int32, live: Bool) async throws
    /// Creates a domain from a save image in `fd`, left **paused**.
    func restore(_ spec: DomainSpec, from fd: Int32) async throws -> DomainInfo

    // MARK: Devices of a live domain

    func plugVBD(vm: String, _ vbd: VBD) async throws
    func unplugVBD(vm: String, name: String, force: Bool) async throws
    func insertMedia(vm: String, vbd: String, disk: Disk) async throws
    func ejectMedia(vm: String, vbd: String) async throws
    func plugVIF(vm: String, _ vif: VIF) async throws
    func unplugVIF(vm: String, name: String, force: Bool) async throws
    func setCarrier(vm: String, vif: String, carrier: Bool) async throws
    func plugPCI(vm: String, _ pci: PCI) async throws
    func unplugPCI(vm: String, name: String) async throws
    /// Sets the number of online vCPUs (1…vcpu_max).
    func setVcpus(vm: String, count: Int) async throws
    /// Sets the balloon target.
    func setMemoryTarget(vm: String, bytes: Int64) async throws
    /// Writes `vm-data` keys for the guest.
    func setXSData(vm: String, _ data: [String: String]) async throws

    // MARK: Guest agent, ACPI S3, shadow memory, device settings (issue 9)
    // Defaults throw BackendError.unsupported (Hypervisor+Defaults.swift), so a backend that
    // lacks one of these still conforms and reports it honestly.

    /// Asks the guest agent to turn RDP on or off (xenstore `control/ts` = `1`/`0`).
    func requestRDP(vm: String, enabled: Bool) async throws
    /// Runs `script` through the guest agent (xenstore `control/batcmd`) and waits for it.
    /// Throws `XenopsError.unimplemented` when the guest has no agent that runs scripts, and
    /// `XenopsError.failedToRunScript` when the agent reports a failure.
    func runScript(vm: String, script: String) async throws -> GuestScriptResult
    /// Resizes the shadow (p2m) memory of an HVM domain to its default times `multiplier`.
    func setShadowMultiplier(vm: String, multiplier: Double) async throws
    /// Asks the guest to enter ACPI S3 (`control/shutdown` = `s3`), without waiting.
    func s3Suspend(vm: String) async throws
    /// Wakes the guest from ACPI S3.
    func s3Resume(vm: String) async throws
    /// Applies a VIF setting to the plugged device `vif` (whose record already holds the
    /// new value when ``XenopsCore/VIFSetting/storedBeforeApplying``).
    func applyVIFSetting(vm: String, _ vif: VIF, _ setting: VIFSetting) async throws
    /// Applies the stored `qos` of a plugged VBD to its backend.
    func setVBDQoS(vm: String, _ vbd: VBD) async throws
    /// Passes a host USB device through to the guest.
    func plugVUSB(vm: String, _ vusb: VUSB) async throws
    func unplugVUSB(vm: String, name: String) async throws
    /// Returns a PCI function from quarantine to dom0. Succeeds if it was not quarantined.
    func dequarantinePCI(_ address: PCIAddress) async throws
    /// Replaces the licensed guest-agent features published to guests.
    func updateGuestAgentFeatures(_ features: [GuestAgentFeature]) async throws

    // MARK: Events and debugging

    /// The backend's event stream. There is one consumer (the engine); events for domains the
    /// engine does not manage are delivered too and ignored there.
    var events: AsyncStream<BackendEvent> { get }
    /// Backend-specific debug commands (`DEBUG.trigger`): the simulator knows `reboot`, `halt`
    /// and `crash` with a VM uuid. Unknown commands throw `XenopsError.unimplemented`.
    func debugTrigger(_ command: String, args: [String]) async throws
    /// Stops background work and finishes the event stream.
    func close() async
}

/// What the engine asks the hypervisor to build.
public struct DomainSpec: Sendable, Hashable {
    public var vm: VM
    public var vbds: [VBD]
    public var vifs: [VIF]
    public var pcis: [PCI]
    /// The backend's own opaque state from `Metadata.domains`, if any.
    public var domains: String?
    /// How to place the domain on NUMA nodes (the engine's `HOST.set_numa_affinity_policy`).
    public var numaAffinityPolicy: NUMAAffinityPolicy

    public init(
        vm: VM, vbds: [VBD] = [], vifs: [VIF] = [], pcis: [PCI] = [], domains: String? = nil,
        numaAffinityPolicy: NUMAAffinityPolicy = .defaultPolicy
    ) {
        self.vm = vm
        self.vbds = vbds
        self.vifs = vifs
        self.pcis = pcis
        self.domains = domains
        self.numaAffinityPolicy = numaAffinityPolicy
    }
}

/// What a guest is asked to do (defined in XenopsCore as ``GuestRequest``).
public typealias ShutdownRequest = GuestRequest

/// The run state of a domain.
public enum DomainRunState: Sendable, Hashable {
    case running
    case paused
    /// Shut down but not yet destroyed.
    case shutdown(ShutdownReason)
    /// Being destroyed.
    case dying
}

/// A domain as the hypervisor sees it.
public struct DomainInfo: Sendable, Hashable {
    public var domid: Int
    /// The domain handle: the VM uuid for domains we create.
    public var uuid: String
    public var name: String
    public var state: DomainRunState
    public var domainType: DomainType
    public var memoryActual: Int64
    public var memoryTarget: Int64
    public var memoryMax: Int64
    public var vcpusOnline: Int
    public var vcpusMax: Int
    /// Seconds since the epoch when the domain was created.
    public var startTime: Double
    public var consoles: [Console]
    /// Devices attached to the domain now.
    public var devices: DomainDevices
    /// Who created the domain, when the backend can tell (`"xenopsd-ng"`, `"xl"`), else nil.
    public var creator: String?

    public init(
        domid: Int, uuid: String, name: String, state: DomainRunState, domainType: DomainType,
        memoryActual: Int64, memoryTarget: Int64, memoryMax: Int64, vcpusOnline: Int, vcpusMax: Int,
        startTime: Double, consoles: [Console] = [], devices: DomainDevices = .init(), creator: String? = nil
    ) {
        self.domid = domid
        self.uuid = uuid
        self.name = name
        self.state = state
        self.domainType = domainType
        self.memoryActual = memoryActual
        self.memoryTarget = memoryTarget
        self.memoryMax = memoryMax
        self.vcpusOnline = vcpusOnline
        self.vcpusMax = vcpusMax
        self.startTime = startTime
        self.consoles = consoles
        self.devices = devices
        self.creator = creator
    }
}

/// The devices attached to a live domain, by xenops device name.
public struct DomainDevices: Sendable, Hashable {
    /// Attached disks and what media they hold (nil: an empty CD drive).
    public var vbds: [String: Disk?]
    /// Attached NICs and their carrier.
    public var vifs: [String: Bool]
    public var pcis: Set<String>
    /// Passed-through USB devices.
    public var vusbs: Set<String>

    public init(vbds: [String: Disk?] = [:], vifs: [String: Bool] = [:], pcis: Set<String> = [], vusbs: Set<String> = []) {
        self.vbds = vbds
        self.vifs = vifs
        self.pcis = pcis
        self.vusbs = vusbs
    }
}

/// Something the hypervisor reports on its own.
public enum BackendEvent: Sendable, Hashable {
    /// The domain shut down (the guest's own doing, or a request we made).
    case domainShutdown(vm: String, domid: Int, reason: ShutdownReason)
    /// The domain is gone.
    case domainDied(vm: String, domid: Int)
    /// A device of the domain changed (e.g. the guest ejected a CD).
    case deviceChanged(vm: String, device: DynamicID)
    /// Anything else about the domain changed (memory, vCPUs).
    case domainChanged(vm: String)

    /// The VM the event is about.
    public var vm: String {
        switch self {
        case .domainShutdown(let vm, _, _), .domainDied(let vm, _), .deviceChanged(let vm, _), .domainChanged(let vm): return vm
        }
    }
}

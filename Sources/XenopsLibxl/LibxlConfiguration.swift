/// Knobs of the libxl backend.
public struct LibxlConfiguration: Sendable {
    /// Worker threads for blocking libxl calls.
    public var workerThreads = 8
    /// How often waits (shutdown acknowledgement, shutdown) re-check the domain.
    public var pollInterval: Duration = .milliseconds(100)
    /// How long `destroy` waits for a destroyed (dying) domain to disappear.
    public var destroyTimeout: Duration = .seconds(30)
    /// How long `save` waits for a PV guest to announce `control/feature-suspend`.
    public var suspendReadinessTimeout: Duration = .seconds(30)
    /// How long `setVcpus` waits for a running guest to bring its vCPUs on or offline.
    public var vcpuSettleTimeout: Duration = .seconds(10)
    /// How long ``LibxlHypervisor/close()`` waits for asynchronous libxl operations it aborted.
    public var closeTimeout: Duration = .seconds(30)
    /// Resolves xenops `VDI` disks to dom0 paths; nil: VDIs are refused (no SMAPIv2 here).
    public var vdiResolver: DomainConfigBuilder.VDIResolver?
    /// XCP-ng's script that applies a VIF's locking mode (iptables/ebtables or OpenFlow
    /// rules), run as xenopsd runs it: `classic <vifN.M> <vm uuid> <devid> filter`.
    public var setupVifRules = "/usr/libexec/xenopsd/setup-vif-rules"
    /// XCP-ng's script that sets up a VIF's PVS proxy rules: `add|remove vif <vifN.M> <private path> <hotplug path>`.
    public var setupPVSProxyRules = "/usr/libexec/xenopsd/setup-pvs-proxy-rules"
    /// Open vSwitch's control program, which applies VLAN trunks.
    public var ovsVsctl = "/usr/bin/ovs-vsctl"
    /// iproute2's `ip`, which moves a VIF's interfaces to another bridge.
    public var ipCommand = "/usr/sbin/ip"
    /// How long a helper script may run before it is killed.
    public var scriptTimeout: Duration = .seconds(60)

    public init() {}
}

import Testing
import XenopsBackend
import XenopsCore
@testable import XenopsLibxl

/// xenopsd's NUMA affinity policies mapped onto libxl's automatic placement
/// (LibxlHypervisor+NUMA.swift), checked in libxl's own JSON of the config.
@Suite struct NUMAPlacementTests {
    let builder = DomainConfigBuilder()

    func json(_ policy: NUMAAffinityPolicy, affinity: [[Int]] = []) throws -> String {
        var vm = Fixtures.vm(.pv(Fixtures.pvDirect()))
        vm.schedulerParams.affinity = affinity
        return try builder.build(DomainSpec(vm: vm, numaAffinityPolicy: policy)).json()
    }

    @Test("Any turns libxl's placement off; the other policies leave libxl's default (on)")
    func placementFlag() throws {
        #expect(try json(.any).contains("\"numa_placement\": \"False\""))
        for policy in [NUMAAffinityPolicy.bestEffort, .bestEffortHard, .prioMemOnly] {
            #expect(!(try json(policy)).contains("numa_placement"), "\(policy)")
        }
    }

    @Test("Best_effort_hard pins after creation unless the VM has its own hard affinity")
    func hardPlacement() {
        let vm = Fixtures.vm(.pv(Fixtures.pvDirect()))
        #expect(LibxlHypervisor.needsHardPlacement(DomainSpec(vm: vm, numaAffinityPolicy: .bestEffortHard)))
        #expect(!LibxlHypervisor.needsHardPlacement(DomainSpec(vm: vm, numaAffinityPolicy: .bestEffort)))
        var pinned = vm
        pinned.schedulerParams.affinity = [[0, 1]]
        #expect(!LibxlHypervisor.needsHardPlacement(DomainSpec(vm: pinned, numaAffinityPolicy: .bestEffortHard)))
    }
}

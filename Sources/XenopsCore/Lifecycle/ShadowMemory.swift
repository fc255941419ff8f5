/// xenopsd's model of an HVM domain's shadow (p2m) memory (`xen-api:ocaml/xapi-idl/memory/memory.ml`,
/// `Memory_model.shadow_mib`): one page per MiB of RAM for the p2m map and as many for
/// resident shadows, plus 256 pages per vCPU, times the multiplier; at least 1 MiB.
public enum ShadowMemory {
    /// The shadow allocation in MiB for a domain of `staticMaxBytes` with `vcpus` vCPUs.
    public static func mib(staticMaxBytes: Int64, vcpus: Int, multiplier: Double) -> Int {
        let staticMaxMiB = (max(0, staticMaxBytes) + (1 << 20) - 1) >> 20
        let pages = 256 * Int64(max(0, vcpus)) + staticMaxMiB + staticMaxMiB
        let totalMiB = (pages + 255) / 256
        let multiplied = Int64((Double(totalMiB) * multiplier).rounded(.towardZero))
        return Int(max(1, multiplied))
    }
}

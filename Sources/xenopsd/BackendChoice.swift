import ArgumentParser
import Foundation

/// The `--backend` option.
enum BackendChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// libxl when this is a Xen host (`/dev/xen/privcmd` exists), the simulator otherwise.
    case auto
    /// The real hypervisor through libxl.
    case libxl
    /// The in-process simulator, keeping its domains in `<state-dir>/simulator.json`.
    case simulator

    /// The device that exists only in a Xen dom0.
    static let privcmdPath = "/dev/xen/privcmd"

    /// The backend to run: `auto` resolved by looking for the Xen privcmd device.
    func resolved(privcmdExists: Bool = FileManager.default.fileExists(atPath: BackendChoice.privcmdPath)) -> BackendChoice {
        guard self == .auto else { return self }
        return privcmdExists ? .libxl : .simulator
    }
}

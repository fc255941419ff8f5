import ArgumentParser

/// `--force | --timeout S` for shutdown and reboot.
struct ShutdownOptions: ParsableArguments {
    @Flag(help: "Hard: destroy the domain without asking the guest.") var force = false
    @Option(help: ArgumentHelp("Clean: seconds the guest has to comply (default 60).", valueName: "seconds")) var timeout: Double?

    func validate() throws {
        if force && timeout != nil { throw ValidationError("--force and --timeout exclude each other: a hard operation has no timeout.") }
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds.") }
    }

    /// The wire's `delay`: nil for hard, the timeout for clean.
    var delay: Double? { force ? nil : (timeout ?? 60) }
}

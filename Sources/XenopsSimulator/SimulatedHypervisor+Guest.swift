import XenopsBackend
import XenopsCore

extension SimulatedHypervisor {
    /// The reason a guest reports when it carries out `request`.
    static func reason(for request: ShutdownRequest) -> ShutdownReason {
        switch request {
        case .poweroff, .halt: return .poweroff
        case .reboot: return .reboot
        case .suspend: return .suspend
        }
    }

    /// Writes the request for the guest and waits for its acknowledgement.
    ///
    /// The simulated guest acknowledges after ``SimulatorConfiguration/guestAckDelay`` if it is
    /// running and its ``GuestBehaviour`` allows; a paused guest cannot (its vCPUs do not run)
    /// but will once unpaused within the timeout. After acknowledging, a cooperative guest shuts
    /// down with the matching reason after ``SimulatorConfiguration/guestShutdownDelay``.
    /// A domain that has already shut down needs no request: this returns at once.
    public func requestShutdown(vm: String, reason: ShutdownRequest, ackTimeout: Double) async throws {
        try await begin(.requestShutdown, vm: vm, detail: reason.rawValue)
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: Self.duration(seconds: ackTimeout))
        let ackAt = start.advanced(by: configuration.guestAckDelay)
        let domid: Int? = try transact { s, _ in
            let d = try Self.guest(s, vm, for: .requestShutdown)
            if d.state.isShutdown { return nil }
            s.pendingRequests[vm] = PendingRequest(domid: d.domid, request: reason)
            s.console.append("simulator: asked domain \(d.domid) to \(reason.rawValue)")
            return d.domid
        }
        guard let domid else { return }

        enum Progress: Sendable { case waiting, acknowledged, refused }
        while true {
            let now = clock.now
            let progress: Progress = try transact { s, _ in
                guard let d = s.world.domains[vm], d.domid == domid, d.state != .dying else {
                    throw BackendError.noDomain(vm: vm)
                }
                // The guest went down meanwhile (on its own or by a debug trigger): nothing left to ask.
                if d.state.isShutdown { s.pendingRequests[vm] = nil; return .acknowledged }
                let behaviour = s.behaviour(for: vm)
                if d.state == .running, behaviour != .refuseAck, now >= ackAt {
                    s.pendingRequests[vm]?.acknowledged = true
                    s.console.append("simulator: domain \(domid) acknowledged the \(reason.rawValue) request")
                    if behaviour == .cooperative {
                        startGuestShutdown(vm: vm, domid: domid, reason: Self.reason(for: reason), in: &s)
                    }
                    return .acknowledged
                }
                if now >= deadline {
                    // Like xenopsd, withdraw the request the guest never saw.
                    s.pendingRequests[vm] = nil
                    s.console.append("simulator: domain \(domid) did not acknowledge the \(reason.rawValue) request within \(ackTimeout) s")
                    return .refused
                }
                return .waiting
            }
            switch progress {
            case .acknowledged: return
            case .refused:
                throw BackendError.xenops(reason == .suspend ? .failedToAcknowledgeSuspendRequest : .failedToAcknowledgeShutdownRequest)
            case .waiting:
                do { try await Task.sleep(for: Self.pollInterval) } catch {
                    state.withLock { s in
                        if s.pendingRequests[vm]?.domid == domid, s.pendingRequests[vm]?.acknowledged == false { s.pendingRequests[vm] = nil }
                    }
                    throw BackendError.cancelled(operation: SimulatedOperation.requestShutdown.rawValue)
                }
            }
        }
    }

    /// Starts the simulated guest's way down: after the shutdown delay (and once it runs, if
    /// it was paused), the domain shuts down with `reason`.
    func startGuestShutdown(vm: String, domid: Int, reason: ShutdownReason, in s: inout SimulatorState) {
        guard !s.closed else { return }
        let delay = configuration.guestShutdownDelay
        s.guestTasks.removeValue(forKey: vm)?.cancel()
        s.guestTasks[vm] = Task {
            do { try await Task.sleep(for: delay) } catch { return }
            while !Task.isCancelled {
                let finished = (try? self.transact { s, fx -> Bool in
                    guard let d = s.world.domains[vm], d.domid == domid, d.state != .dying, !d.state.isShutdown else { return true }
                    guard d.state == .running else { return false }  // a paused guest cannot finish
                    self.shutDown(vm, reason: reason, cause: "guest", in: &s, &fx)
                    return true
                }) ?? true
                if finished { return }
                do { try await Task.sleep(for: Self.pollInterval) } catch { return }
            }
        }
    }

    /// Moves a domain to `.shutdown(reason)` and emits `.domainShutdown`. The caller has
    /// checked the domain exists and is not shut down.
    func shutDown(_ vm: String, reason: ShutdownReason, cause: String, in s: inout SimulatorState, _ fx: inout Effects) {
        guard let d = s.world.domains[vm] else { return }
        s.world.domains[vm]?.state = .shutdown(reason: reason)
        s.forgetGuest(vm)
        s.console.append("simulator: domain \(d.domid) (\(vm)) shut down: \(reason.rawValue) (\(cause))")
        fx.events.append(.domainShutdown(vm: vm, domid: d.domid, reason: reason))
    }

    /// Polls the domain until it is shut down and returns why; `failedToShutdown` after
    /// `timeout` seconds, `noDomain` if the domain is destroyed meanwhile.
    public func waitForShutdown(vm: String, timeout: Double) async throws -> ShutdownReason {
        try await begin(.waitForShutdown, vm: vm)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.duration(seconds: timeout))
        while true {
            let reason: ShutdownReason? = try state.withLock { s in
                let d = try Self.guest(s, vm, for: .waitForShutdown)
                if case .shutdown(let reason) = d.state { return reason }
                return nil
            }
            if let reason { return reason }
            if clock.now >= deadline { throw BackendError.xenops(.failedToShutdown(vm: vm, timeout: timeout)) }
            try await sleep(Self.pollInterval, during: .waitForShutdown)
        }
    }

    /// `DEBUG.trigger`: `reboot`, `halt`, `poweroff` or `crash` with a VM uuid make that guest
    /// shut down on its own with that reason (`halt` reports `poweroff`); `eject` with a VM
    /// uuid and a VBD name makes the guest eject its CD. Anything else is unimplemented.
    public func debugTrigger(_ command: String, args: [String]) async throws {
        try await begin(.debugTrigger, vm: args.first, detail: command)
        let operation = "DEBUG.trigger \(command)"
        let reason: ShutdownReason
        switch command.lowercased() {
        case "reboot": reason = .reboot
        case "halt", "poweroff": reason = .poweroff
        case "crash": reason = .crash
        case "eject":
            guard args.count >= 2 else { throw Self.missingArguments(operation, "a VM uuid and a VBD name") }
            try guestEjects(vm: args[0], vbd: args[1])
            try await persisted()
            return
        default:
            throw BackendError.xenops(.unimplemented(operation))
        }
        guard let vm = args.first else { throw Self.missingArguments(operation, "a VM uuid") }
        try simulateGuestShutdown(vm: vm, reason: reason)
        try await persisted()
    }

    static func missingArguments(_ operation: String, _ what: String) -> BackendError {
        .failed(operation: operation, code: Code.invalid, detail: "the command needs \(what) as its arguments",
                remedy: "Call it as DEBUG.trigger \(operation.split(separator: " ").last ?? "") with \(what).")
    }

    /// Makes the guest of `vm` shut down on its own with `reason`, at once (what a guest
    /// `poweroff`, `reboot` or a crash does). Emits `.domainShutdown`.
    ///
    /// - Throws: ``BackendError/noDomain(vm:)`` if there is no such domain, or
    ///   ``BackendError/failed(operation:code:detail:remedy:)`` if it has already shut down.
    public func simulateGuestShutdown(vm: String, reason: ShutdownReason) throws {
        try transact { s, fx in
            let d = try Self.guest(s, vm, for: .debugTrigger)
            if case .shutdown(let previous) = d.state {
                throw BackendError.failed(
                    operation: "guest \(reason.rawValue)", code: Code.invalid,
                    detail: "domain \(d.domid) of VM \(vm) has already shut down (\(previous.rawValue))",
                    remedy: "Destroy the domain, or start the VM again first.")
            }
            shutDown(vm, reason: reason, cause: "guest-initiated", in: &s, &fx)
        }
    }

    /// Makes the guest of `vm` eject the media of drive `vbd` (emits `.deviceChanged`).
    public func guestEjects(vm: String, vbd: String) throws {
        try transact { s, fx in
            let d = try Self.guest(s, vm, for: .debugTrigger)
            guard let disk = d.vbds[vbd] else { throw BackendError.noDevice(vm: vm, device: vbd) }
            guard disk.isRemovable else { throw BackendError.xenops(.mediaNotEjectable) }
            guard disk.media != nil else { throw BackendError.xenops(.mediaNotPresent) }
            s.world.domains[vm]?.vbds[vbd]?.media = nil
            s.console.append("simulator: guest of domain \(d.domid) ejected the media of \(vbd)")
            fx.events.append(.deviceChanged(vm: vm, device: .vbd(DeviceID(vm: vm, name: vbd))))
        }
    }

    /// A timeout in seconds as a `Duration`, tolerating nonsense (negative, NaN, huge) values.
    static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return seconds.isNaN || seconds <= 0 ? .zero : .seconds(1e9) }
        return .seconds(min(seconds, 1e9))
    }
}

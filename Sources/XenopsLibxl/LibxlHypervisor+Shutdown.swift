import CXenLight
import XenopsBackend
import XenopsCore

extension LibxlHypervisor {
    /// Asks the guest to power off, reboot or suspend, then waits up to `ackTimeout` seconds
    /// for it to acknowledge.
    ///
    /// Power-off and halt use `libxl_domain_shutdown`, reboot `libxl_domain_reboot`; both write
    /// the request to the guest's xenstore `control/shutdown` key. Suspend writes `suspend` there
    /// directly (libxl only suspends as part of a save). The guest acknowledges by clearing the
    /// key, which is polled on xenstore every ``LibxlConfiguration/pollInterval``; a domain that
    /// shuts down meanwhile counts as acknowledged. On timeout the request is withdrawn (the key
    /// is removed, as xenopsd does) and `Failed_to_acknowledge_shutdown_request` (or the suspend
    /// variant) is thrown. A guest without PV drivers (`ERROR_NOPARAVIRT`) cannot acknowledge:
    /// that is reported the same way, so the engine falls back to a hard shutdown if asked.
    /// Returns soon after the task is cancelled (the request is then withdrawn).
    public func requestShutdown(vm: String, reason: ShutdownRequest, ackTimeout: Double) async throws {
        let (d, _) = try await requireManaged(vm, for: "requestShutdown")
        if d.shutdown { return }
        let notAcknowledged: XenopsError = reason == .suspend ? .failedToAcknowledgeSuspendRequest : .failedToAcknowledgeShutdownRequest
        let ctx = self.ctx
        let key = "/local/domain/\(d.domid)/control/shutdown"
        let rc: Int32 = try await call("requestShutdown", vm: vm) { [xenstore] in
            LibxlError.clearThreadMessage()
            switch reason {
            case .poweroff, .halt: return libxl_domain_shutdown(ctx.raw, d.domid, nil)
            case .reboot: return libxl_domain_reboot(ctx.raw, d.domid, nil)
            case .suspend:
                try xenstore.write(key, "suspend")
                return 0
            }
        }
        if rc == ERROR_NOPARAVIRT.rawValue {
            logger.info("domain \(d.domid) of VM \(vm) has no PV control interface: it cannot acknowledge a \(reason.rawValue) request")
            throw BackendError.xenops(notAcknowledged)
        }
        if rc != 0 {
            let function = reason == .reboot ? "libxl_domain_reboot" : "libxl_domain_shutdown"
            throw LibxlError(function: function, rc: rc, detail: "domain \(d.domid)").backendError(operation: "requestShutdown", vm: vm)
        }
        logger.info("asked domain \(d.domid) of VM \(vm) to \(reason.rawValue); waiting up to \(ackTimeout) s for the acknowledgement")

        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.duration(seconds: ackTimeout))
        while true {
            let progress: AckProgress = try await call("requestShutdown", vm: vm) { [xenstore] in
                guard let now = try Self.listDomains(ctx).first(where: { $0.domid == d.domid }), !now.dying else { return .gone }
                if now.shutdown { return .acknowledged }
                let pending = xenstore.read(key) ?? ""
                return pending.isEmpty ? .acknowledged : .waiting
            }
            switch progress {
            case .acknowledged:
                logger.info("domain \(d.domid) of VM \(vm) acknowledged the \(reason.rawValue) request")
                return
            case .gone:
                throw BackendError.noDomain(vm: vm)
            case .waiting:
                if clock.now >= deadline {
                    await withdraw(key, vm: vm)
                    logger.warning("domain \(d.domid) of VM \(vm) did not acknowledge the \(reason.rawValue) request within \(ackTimeout) s")
                    throw BackendError.xenops(notAcknowledged)
                }
                do { try await Task.sleep(for: configuration.pollInterval) } catch {
                    await withdraw(key, vm: vm)
                    throw BackendError.cancelled(operation: "requestShutdown")
                }
            }
        }
    }

    enum AckProgress: Sendable { case waiting, acknowledged, gone }

    /// Removes an unacknowledged request so the guest does not act on it later.
    func withdraw(_ key: String, vm: String) async {
        _ = try? await call("requestShutdown", vm: vm) { [xenstore] in xenstore.remove(key) }
    }

    /// Polls the domain until it has shut down, and returns why.
    public func waitForShutdown(vm: String, timeout: Double) async throws -> ShutdownReason {
        let first = try await requireDomain(vm, for: "waitForShutdown")
        let ctx = self.ctx
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.duration(seconds: timeout))
        while true {
            let d = try await call("waitForShutdown", vm: vm) { try Self.listDomains(ctx).first { $0.domid == first.domid } }
            guard let d, !d.dying else { throw BackendError.noDomain(vm: vm) }
            if d.shutdown { return d.shutdownReason }
            if clock.now >= deadline { throw BackendError.xenops(.failedToShutdown(vm: vm, timeout: timeout)) }
            do { try await Task.sleep(for: configuration.pollInterval) } catch {
                throw BackendError.cancelled(operation: "waitForShutdown")
            }
        }
    }

    /// A timeout in seconds as a `Duration`, tolerating negative, NaN and huge values.
    static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite, seconds > 0 else { return seconds.isNaN || seconds <= 0 ? .zero : .seconds(1e9) }
        return .seconds(min(seconds, 1e9))
    }
}

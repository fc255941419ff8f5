import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization
import XenopsCore

/// Serves a queue of the message-switch, as xenopsd does when XAPI uses the switch (the
/// default): logs in on two connections, declares the queue, long-polls `/transfer` on one
/// and, for every request, runs the call in a Swift task of its own, then sends the reply
/// (`POST /response/<reply_to>/<queue>/<n>`) and acknowledges (`GET /ack/<queue>/<n>`) on
/// the other. The next `/transfer` goes out as soon as a batch has been handed to its tasks,
/// so a waiting `UPDATES.get` never holds up other calls, and calls for different VMs run in
/// parallel exactly as on the HTTP socket.
///
/// **Losing the switch.** Any failure of either connection ends the session: both are
/// closed, and the transport connects again with a back-off (0.5 s doubling to 4 s by
/// default), logging the loss and the return once each, not every attempt. Calls keep
/// running meanwhile. On reconnecting it asks the switch whether it kept its queues (see
/// ``SwitchDeliveryTracker``: a persistent marker queue created at the first connection
/// tells): if it did, messages in progress are matched by id when the switch delivers them
/// again, and each is answered and acknowledged exactly once without running again; if it
/// did not (it restarted), what was in progress is forgotten — those requests and the
/// callers' reply queues died with the old switch, whose message ids the new one reuses —
/// and the replies of calls still running are dropped when they finish. Either way the first
/// `/transfer` after a reconnect starts without `from`, because a restarted switch numbers
/// messages from 0 again.
///
/// **Shutdown.** ``shutdown()`` stops polling at once and answers the long polls in progress
/// (through the runner's ``LongPollRegistry``); other calls in progress get up to the grace
/// period to finish, be answered and acknowledged; then the connections close.
public final class MessageSwitchTransport: Sendable {
    /// Runs one JSON-RPC request body and returns the reply body; never fails.
    public typealias Handler = @Sendable ([UInt8]) async -> [UInt8]

    public let configuration: MessageSwitchConfiguration
    private let handler: Handler
    /// Answers the long polls in progress (on shutdown).
    private let drainLongPolls: @Sendable () -> Void
    private let group: any EventLoopGroup
    private let logger: Logger

    private struct State {
        var tracker = SwitchDeliveryTracker()
        /// The connection replies and acks go on; `nil` while disconnected.
        var replies: SwitchConnection?
        /// The connection `/transfer` polls on; `nil` while disconnected.
        var transfer: SwitchConnection?
        /// The tasks running calls, by delivery token.
        var calls: [UInt64: Task<Void, Never>] = [:]
        /// The queue whose presence tells that the switch kept its queues since we connected.
        var marker: String?
        var stopping = false
        var sessions = 0
    }

    private let state = Mutex(State())

    /// A transport for `configuration` that runs each request through `runner`, as every
    /// other transport does.
    public convenience init(
        configuration: MessageSwitchConfiguration, runner: CallRunner,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "xenopsd.switch")
    ) {
        self.init(
            configuration: configuration, handler: { await runner.serve($0) },
            drainLongPolls: { runner.longPolls.drain() }, group: group, logger: logger)
    }

    /// A transport for `configuration` that runs each request through `handler`;
    /// `drainLongPolls` answers its long polls on shutdown.
    public init(
        configuration: MessageSwitchConfiguration, handler: @escaping Handler,
        drainLongPolls: @escaping @Sendable () -> Void = {},
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "xenopsd.switch")
    ) {
        self.configuration = configuration
        self.handler = handler
        self.drainLongPolls = drainLongPolls
        self.group = group
        self.logger = logger
    }

    /// Whether both connections to the switch are up.
    public var isConnected: Bool { state.withLock { $0.replies != nil && $0.transfer != nil } }

    /// How many sessions (successful connections) there have been.
    public var sessionCount: Int { state.withLock { $0.sessions } }

    /// Messages taken from the switch and not yet acknowledged.
    public var unacknowledgedCount: Int { state.withLock { $0.tracker.count } }

    /// Serves the queue until ``shutdown()``; connects (and reconnects) as needed.
    public func run() async {
        var delay = configuration.reconnectDelay
        var announcedOutage = false
        while !isStopping {
            do {
                try await session {
                    // Connected: the next outage is news again.
                    delay = configuration.reconnectDelay
                    announcedOutage = false
                }
            } catch {
                dropConnections()
                if isStopping { break }
                if !announcedOutage {
                    announcedOutage = true
                    if sessionCount == 0 {
                        logger.notice("the message-switch at \(configuration.socketPath) is not available (\(error)); retrying in the background")
                    } else {
                        logger.warning("lost the message-switch at \(configuration.socketPath) (\(error)); reconnecting")
                    }
                }
                await pause(delay)
                delay = min(delay * 2, configuration.maxReconnectDelay)
            }
        }
        await drain()
    }

    /// Stops polling now and answers the long polls in progress; ``run()`` then lets the
    /// other calls in progress finish and returns.
    public func shutdown() {
        let (transfer, first) = state.withLock { s -> (SwitchConnection?, Bool) in
            defer { s.stopping = true }
            return (s.transfer, !s.stopping)
        }
        transfer?.close()
        if first { drainLongPolls() }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    // MARK: Session

    /// One connected session: returns only on shutdown, throws when a connection fails.
    private func session(onConnected: () -> Void) async throws {
        let timeout = configuration.replyTimeout
        let replies = try await connect()
        let transfer: SwitchConnection
        do { transfer = try await connect() } catch {
            replies.close()
            throw error
        }
        do {
            let (kept, marker) = try await switchKeptQueues(replies)
            _ = try await replies.call(.createPersistent(queue: configuration.queue), timeout: timeout)
            if let marker {
                // Created only now that the queue is declared, so that it never exists without it.
                _ = try await replies.call(.createPersistent(queue: marker), timeout: timeout)
            }
            let (first, forgotten, pending) = state.withLock { s -> (Bool, (forgotten: Int, running: Int), [SwitchDeliveryTracker.Key]) in
                let forgotten = kept ? (0, 0) : s.tracker.reset()
                if kept { s.tracker.beginSession() }
                if let marker { s.marker = marker }
                s.replies = replies
                s.transfer = transfer
                s.sessions += 1
                return (s.sessions == 1, forgotten, s.tracker.pendingKeys)
            }
            if isStopping { transfer.close() }
            onConnected()
            if first {
                logger.info("serving queue \(configuration.queue) on the message-switch at \(configuration.socketPath)")
            } else if kept {
                logger.notice("reconnected to the message-switch at \(configuration.socketPath); it kept its queues: \(pending.count) repl(ies) and ack(s) to finish, messages in progress are matched when delivered again")
            } else {
                logger.notice("reconnected to the message-switch at \(configuration.socketPath); it restarted and lost its queues: forgot \(forgotten.forgotten) message(s) in progress (\(forgotten.running) still running; their replies will be dropped); serving queue \(configuration.queue) from message 0")
            }
            for key in pending { Task { await self.advance(key) } }
            try await poll(transfer, resyncing: kept && !first)
        } catch {
            replies.close()
            transfer.close()
            throw error
        }
    }

    /// Connects and logs in.
    private func connect() async throws -> SwitchConnection {
        let connection = try await SwitchConnection.connect(path: configuration.socketPath, group: group, connectTimeout: configuration.replyTimeout)
        do {
            _ = try await connection.call(.login(token: configuration.token), timeout: configuration.replyTimeout)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    /// Whether the switch still holds the marker queue made when we first connected; if
    /// not (or on the first connection), the name of a new marker to create.
    private func switchKeptQueues(_ connection: SwitchConnection) async throws -> (kept: Bool, newMarker: String?) {
        let prefix = "xenopsd-ng.state." + configuration.queue + "."
        if let marker = state.withLock({ $0.marker }) {
            let body = try await connection.call(.list(prefix: marker), timeout: configuration.replyTimeout)
            let names = (try? JSONValue.parse(body))?.arrayElements ?? []
            if names.contains(.string(marker)) { return (true, nil) }
        } else {
            // A marker left by an earlier run of the daemon (killed, so it could not remove it).
            let body = try await connection.call(.list(prefix: prefix), timeout: configuration.replyTimeout)
            for case .string(let old) in (try? JSONValue.parse(body))?.arrayElements ?? [] {
                _ = try await connection.call(.destroy(queue: old), timeout: configuration.replyTimeout)
            }
        }
        return (false, prefix + UUID().uuidString.lowercased())
    }

    /// Long-polls `/transfer` and hands every message to a task, until shutdown or failure.
    private func poll(_ transfer: SwitchConnection, resyncing: Bool) async throws {
        var from: String? = nil  // a restarted switch numbers from 0 again: always start over
        var resyncing = resyncing
        let readTimeout = configuration.pollTimeout + configuration.replyTimeout
        let seconds = Double(configuration.pollTimeout.components.seconds) + Double(configuration.pollTimeout.components.attoseconds) / 1e18
        while !isStopping {
            let body: [UInt8]
            do {
                body = try await transfer.call(.transfer(from: from, timeout: seconds, queues: [configuration.queue]), timeout: readTimeout)
            } catch {
                if isStopping { return }
                throw error
            }
            let batch = try SwitchTransfer.decode(body, limits: configuration.transferLimits)
            for message in batch.messages { accept(message) }
            if resyncing {
                // The first transfer of a session returns everything the switch still holds.
                resyncing = false
                let gone = state.withLock { $0.tracker.dropUnseen() }
                if !gone.isEmpty { logger.debug("message(s) \(gone) were acknowledged before the connection was lost") }
            }
            if !batch.messages.isEmpty { from = batch.next }
        }
    }

    // MARK: Messages

    /// Records a delivered message and starts its call (or its ack).
    private func accept(_ message: SwitchMessage) {
        let key = SwitchDeliveryTracker.Key(queue: message.queue, id: message.id)
        let delivery = state.withLock { $0.tracker.deliver(message) }
        switch delivery {
        case .known:
            logger.debug("message \(key) delivered again; it is already being served")
            Task { await self.advance(key) }
        case .acknowledgeOnly:
            logger.warning("message \(key) on queue \(configuration.queue) is a response, not a request; acknowledging it (is another service replying to this queue?)")
            Task { await self.advance(key) }
        case .run(let token):
            let payload = Array(message.payload.utf8)
            let handler = self.handler
            state.withLock { s in
                s.calls[token] = Task {
                    let reply = SwitchTransfer.replyWithUsableID(await handler(payload))
                    self.finished(key, token: token, reply: reply)
                }
            }
        }
    }

    /// A call finished: record its reply and send it.
    private func finished(_ key: SwitchDeliveryTracker.Key, token: UInt64, reply: [UInt8]) {
        let kept = state.withLock { s -> Bool in
            s.calls[token] = nil
            return s.tracker.finish(key, token: token, reply: reply)
        }
        guard kept else {
            logger.info("dropped the reply to message \(key): the message-switch that delivered it restarted, and the request and its reply queue went with it")
            return
        }
        Task { await self.advance(key) }
    }

    /// Sends the reply and then the ack of `key`, on the current connection, as far as it
    /// can; stops when the connection is gone (the reconnect takes it up again).
    private func advance(_ key: SwitchDeliveryTracker.Key) async {
        while true {
            let next = state.withLock { s -> (SwitchDeliveryTracker.Step, SwitchConnection)? in
                guard let connection = s.replies, let step = s.tracker.nextStep(key) else { return nil }
                return (step, connection)
            }
            guard let (step, connection) = next else { return }
            let operation: SwitchOperation
            let token: UInt64
            switch step {
            case .sendReply(let replyTo, let body, let t):
                operation = .response(replyTo: replyTo, queue: key.queue, id: key.id, body: body)
                token = t
            case .acknowledge(let t):
                operation = .ack(queue: key.queue, id: key.id)
                token = t
            }
            do {
                _ = try await connection.call(operation, timeout: configuration.replyTimeout)
                state.withLock { $0.tracker.stepSucceeded(key, token: token) }
            } catch {
                let transfer = state.withLock { s -> SwitchConnection? in
                    s.tracker.stepFailed(key, token: token)
                    guard s.replies === connection else { return nil }
                    // This session is over: stop the poll so that the transport reconnects.
                    s.replies = nil
                    return s.transfer
                }
                logger.debug("\(operation.summary) failed: \(error)")
                transfer?.close()
                connection.close()
            }
        }
    }

    // MARK: Connections and shutdown

    private func dropConnections() {
        let (replies, transfer) = state.withLock { s -> (SwitchConnection?, SwitchConnection?) in
            defer { s.replies = nil; s.transfer = nil }
            return (s.replies, s.transfer)
        }
        replies?.close()
        transfer?.close()
    }

    /// Waits up to `delay`, returning early on shutdown.
    private func pause(_ delay: Duration) async {
        let deadline = ContinuousClock.now + delay
        while !isStopping, ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(.milliseconds(50), deadline - .now))
        }
    }

    /// After polling stopped: lets calls finish and be answered within the grace period,
    /// then cancels what still runs (a long poll answers at once when cancelled), gives those
    /// answers a moment to go out, and closes the connections.
    private func drain() async {
        await waitUntilAnswered(before: ContinuousClock.now + configuration.shutdownGracePeriod)
        for call in state.withLock({ Array($0.calls.values) }) { call.cancel() }
        await waitUntilAnswered(before: ContinuousClock.now + .seconds(2))
        let (left, marker, replies) = state.withLock { s in (s.tracker.count, s.marker, s.replies) }
        if left > 0 {
            logger.warning("stopping with \(left) message(s) from the message-switch not answered; the switch delivers them again to the next daemon on queue \(configuration.queue)")
        } else if let replies, let marker {
            // A clean stop: the next run does not need the marker.
            _ = try? await replies.call(.destroy(queue: marker), timeout: .seconds(2))
        }
        dropConnections()
        logger.info("stopped serving queue \(configuration.queue) on the message-switch")
    }

    /// Waits until every message taken is answered and acknowledged (or cannot be, the switch
    /// being gone and no call running), or until `deadline`.
    private func waitUntilAnswered(before deadline: ContinuousClock.Instant) async {
        while ContinuousClock.now < deadline {
            let (left, running, connected) = state.withLock { ($0.tracker.count, $0.tracker.runningCount, $0.replies != nil) }
            if left == 0 || (!connected && running == 0) { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

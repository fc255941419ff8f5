/// Every message the daemon has taken from the switch and not yet acknowledged, and how far
/// each has got: running → answered → reply sent → acknowledged (then forgotten).
///
/// It is what lets the transport survive a lost connection without losing or repeating a
/// reply. The switch keeps a message until it is acknowledged and delivers it again to a
/// listener that starts over (`/transfer` without `from`), so after a reconnect to a switch
/// that **kept its queues** a message already known here is not run again: its reply is sent
/// if it was not yet, and it is acknowledged. After a reconnect to a switch that **lost its
/// queues** (restarted without saved state) every entry is dropped: the requests, and the
/// callers' reply queues, went with the old switch, and its message ids will be reused.
///
/// A plain value, unit-tested without any I/O; ``MessageSwitchTransport`` holds it under a lock.
struct SwitchDeliveryTracker: Sendable {
    /// A message's id on the switch.
    struct Key: Hashable, Sendable, CustomStringConvertible {
        var queue: String
        var id: Int64
        var description: String { "(\(queue), \(id))" }
    }

    /// How far a message has got.
    enum Phase: Sendable, Equatable {
        /// The call runs.
        case running
        /// The reply is ready and not sent.
        case answered([UInt8])
        /// The reply is being sent.
        case sending([UInt8])
        /// The switch took the reply; the ack is not sent.
        case replied
        /// The ack is being sent.
        case acking
    }

    struct Entry: Sendable {
        var message: SwitchMessage
        /// Tells this delivery apart from an earlier one with the same key.
        var token: UInt64
        var phase: Phase
        /// Whether the switch delivered the message in the current session.
        var seen: Bool
    }

    /// What to do with a delivered message.
    enum Delivery: Sendable, Equatable {
        /// A new request: run it, then ``finish(_:token:reply:)``.
        case run(token: UInt64)
        /// Already known (delivered again after a reconnect): nothing to run; its reply and ack
        /// go out through ``nextStep(_:)``.
        case known
        /// Not a request (a `Response` on the daemon's queue: a misconfiguration); acknowledge
        /// it so that it is not delivered for ever.
        case acknowledgeOnly(token: UInt64)
    }

    /// The next switch operation a message needs.
    enum Step: Sendable, Equatable {
        case sendReply(replyTo: String, body: [UInt8], token: UInt64)
        case acknowledge(token: UInt64)
    }

    private(set) var entries: [Key: Entry] = [:]
    private var nextToken: UInt64 = 0

    /// Messages taken and not yet acknowledged.
    var count: Int { entries.count }

    /// Messages whose call still runs.
    var runningCount: Int { entries.values.count { $0.phase == .running } }

    /// Records a message from a `/transfer` reply.
    mutating func deliver(_ message: SwitchMessage) -> Delivery {
        let key = Key(queue: message.queue, id: message.id)
        if let known = entries[key], known.message == message {
            entries[key]?.seen = true
            return .known
        }
        // Unknown, or a different message under a known id (which only a switch that lost its
        // queues without our noticing could send): the new message is the one to answer.
        nextToken += 1
        switch message.kind {
        case .request:
            entries[key] = Entry(message: message, token: nextToken, phase: .running, seen: true)
            return .run(token: nextToken)
        case .response:
            entries[key] = Entry(message: message, token: nextToken, phase: .replied, seen: true)
            return .acknowledgeOnly(token: nextToken)
        }
    }

    /// Records the reply of a call. Returns `false` when the delivery is gone (the switch lost
    /// it, or it was superseded): the reply cannot be sent anywhere and is dropped.
    mutating func finish(_ key: Key, token: UInt64, reply: [UInt8]) -> Bool {
        guard entries[key]?.token == token else { return false }
        entries[key]?.phase = .answered(reply)
        return true
    }

    /// Takes the next operation for `key` (and marks it in progress), or `nil` when there is
    /// nothing to do now (still running, an operation already in progress, or gone).
    mutating func nextStep(_ key: Key) -> Step? {
        guard let entry = entries[key] else { return nil }
        switch entry.phase {
        case .answered(let body):
            guard case .request(let replyTo) = entry.message.kind else { return nil }
            entries[key]?.phase = .sending(body)
            return .sendReply(replyTo: replyTo, body: body, token: entry.token)
        case .replied:
            entries[key]?.phase = .acking
            return .acknowledge(token: entry.token)
        case .running, .sending, .acking:
            return nil
        }
    }

    /// Records that the operation taken with ``nextStep(_:)`` succeeded.
    mutating func stepSucceeded(_ key: Key, token: UInt64) {
        guard let entry = entries[key], entry.token == token else { return }
        switch entry.phase {
        case .sending: entries[key]?.phase = .replied
        case .acking: entries[key] = nil
        default: break
        }
    }

    /// Records that the operation taken with ``nextStep(_:)`` failed (the connection went):
    /// it is taken again after the reconnect.
    mutating func stepFailed(_ key: Key, token: UInt64) {
        guard let entry = entries[key], entry.token == token else { return }
        switch entry.phase {
        case .sending(let body): entries[key]?.phase = .answered(body)
        case .acking: entries[key]?.phase = .replied
        default: break
        }
    }

    /// Messages with a reply or ack to send (after a reconnect).
    var pendingKeys: [Key] {
        entries.compactMap { key, entry in
            switch entry.phase {
            case .answered, .replied: return key
            default: return nil
            }
        }
    }

    /// Starts a session with a switch that kept its queues: its first `/transfer` delivers
    /// again every message it still holds.
    mutating func beginSession() {
        for key in entries.keys { entries[key]?.seen = false }
    }

    /// After the first `/transfer` of a session (which returns every message the switch still
    /// holds): entries it did not deliver again were acknowledged already. Returns them.
    mutating func dropUnseen() -> [Key] {
        let gone = entries.filter { !$0.value.seen }.map(\.key)
        for key in gone { entries[key] = nil }
        return gone
    }

    /// The switch lost its queues: forgets every message. Returns how many were forgotten
    /// and how many of them still had a call running (those replies will be dropped).
    mutating func reset() -> (forgotten: Int, running: Int) {
        defer { entries = [:] }
        return (entries.count, runningCount)
    }
}

import XenopsCore

/// The queues and sessions of a message-switch, with the semantics of xen-api
/// `ocaml/message-switch/switch/q.ml` and `mswitch.ml` (in memory, like a switch started
/// without `--statedir`: a restart loses everything).
///
/// - Queues are named; each numbers its messages from 0 and keeps a message until it is
///   acknowledged. A queue deleted and made again numbers from 0 again.
/// - A transient queue belongs to the session (the `/login` token) that made it and is deleted
///   when the last connection of that session closes; a persistent one stays.
/// - Sending to a queue that does not exist drops the message (the reply says `[]`).
/// - `/transfer` returns every message with an id greater than `from` (-1 when absent) in the
///   named queues, newest first within a queue as upstream's fold builds the list; `next` is
///   the largest id returned, or `from` when nothing is.
public struct SwitchState: Sendable {
    /// Who made a message: a logged-in session, or an anonymous connection.
    public enum Origin: Sendable, Equatable {
        case name(String)
        case anonymous(String)
    }

    /// What a message is: a request naming its reply queue, or the response to a message.
    public enum Kind: Sendable, Equatable {
        case request(replyTo: String)
        case response(queue: String, id: Int64)
    }

    /// A queued message.
    public struct Entry: Sendable, Equatable {
        public var origin: Origin
        /// Nanoseconds since the switch started.
        public var time: UInt64
        public var payload: String
        public var kind: Kind
    }

    struct Queue: Sendable {
        var owner: String?
        var messages: [Int64: Entry] = [:]
        var nextID: Int64 = 0
    }

    private(set) var queues: [String: Queue] = [:]
    /// The session of each logged-in connection.
    private var sessions: [UInt64: String] = [:]
    /// When each queue's listener is next expected to poll (for `/list/alive`).
    private var nextTransferExpected: [String: UInt64] = [:]

    public init() {}

    // MARK: Sessions

    /// `/login/<token>`: ties a connection to a session.
    mutating func login(connection: UInt64, token: String) {
        sessions[connection] = token
    }

    /// The session of a connection, if it logged in.
    func session(of connection: UInt64) -> String? { sessions[connection] }

    /// The connections logged in as `session`.
    func connections(of session: String) -> [UInt64] {
        sessions.filter { $0.value == session }.map(\.key)
    }

    /// A connection closed. When it was its session's last, the session's transient queues
    /// are deleted; returns their names.
    mutating func connectionClosed(_ connection: UInt64) -> [String] {
        guard let session = sessions.removeValue(forKey: connection) else { return [] }
        guard !sessions.values.contains(session) else { return [] }
        let owned = queues.filter { $0.value.owner == session }.map(\.key)
        for name in owned { queues[name] = nil }
        return owned.sorted()
    }

    // MARK: Queues

    /// `/persistent/<name>` and `/transient/<name>`: makes the queue unless it exists (an
    /// existing queue keeps its owner and messages).
    mutating func create(_ name: String, owner: String?) {
        if queues[name] == nil { queues[name] = Queue(owner: owner) }
    }

    /// `/destroy/<name>`.
    mutating func destroy(_ name: String) {
        queues[name] = nil
    }

    /// `/list/<prefix>`: names starting with `prefix`; with `aliveOnly`, only queues a listener
    /// has polled.
    func list(prefix: String, aliveOnly: Bool) -> [String] {
        queues.keys.filter { $0.hasPrefix(prefix) && (!aliveOnly || nextTransferExpected[$0] != nil) }.sorted()
    }

    /// Whether a queue exists.
    public func exists(_ name: String) -> Bool { queues[name] != nil }

    /// The ids of the messages a queue holds (not yet acknowledged), oldest first.
    public func messageIDs(_ name: String) -> [Int64] { queues[name]?.messages.keys.sorted() ?? [] }

    /// A queued message.
    public func entry(_ name: String, _ id: Int64) -> Entry? { queues[name]?.messages[id] }

    // MARK: Messages

    /// `/request/…` and `/response/…`: queues a message; `nil` when the queue does not exist.
    mutating func send(to name: String, payload: String, kind: Kind, origin: Origin, time: UInt64) -> Int64? {
        guard var queue = queues[name] else { return nil }
        let id = queue.nextID
        queue.nextID += 1
        queue.messages[id] = Entry(origin: origin, time: time, payload: payload, kind: kind)
        queues[name] = queue
        return id
    }

    /// `/ack/<name>/<id>`: forgets the message (nothing happens if there is none).
    mutating func ack(_ name: String, _ id: Int64) {
        queues[name]?.messages[id] = nil
    }

    /// The messages `/transfer` returns for `from` and `names`, and its `next`.
    func transfer(from: Int64, names: [String]) -> (messages: [(queue: String, id: Int64, entry: Entry)], next: Int64) {
        var messages: [(queue: String, id: Int64, entry: Entry)] = []
        for name in names {
            guard let queue = queues[name] else { continue }
            for id in queue.messages.keys.sorted(by: >) where id > from {
                messages.append((name, id, queue.messages[id]!))
            }
        }
        let next = messages.map(\.id).max() ?? from
        return (messages, next)
    }

    /// Records that a listener polls `names` until `deadline` (ns).
    mutating func recordTransfer(_ names: [String], deadline: UInt64) {
        for name in names { nextTransferExpected[name] = deadline }
    }

    // MARK: Diagnostics

    /// `GET /`: `Protocol.Diagnostics.t` — every queue with its messages.
    func diagnostics(now: UInt64) -> JSONValue {
        func contents(_ filter: (Queue) -> Bool) -> JSONValue {
            .object(queues.filter { filter($0.value) }.sorted { $0.key < $1.key }.map { name, queue in
                var members: [JSONMember] = []
                if let next = nextTransferExpected[name] { members.append(JSONMember("next_transfer_expected", .int(Int64(next)))) }
                members.append(JSONMember("queue_contents", .array(queue.messages.sorted { $0.key < $1.key }.map { id, entry in
                    .array([
                        .array([.string(name), .int(id)]),
                        .object([
                            JSONMember("origin", entry.origin.json),
                            JSONMember("time", .int(Int64(entry.time))),
                            JSONMember("message", Self.messageJSON(entry)),
                        ]),
                    ])
                })))
                return JSONMember(name, .object(members))
            })
        }
        return .object([
            JSONMember("start_time", .int(0)),
            JSONMember("current_time", .int(Int64(now))),
            JSONMember("permanent_queues", contents { $0.owner == nil }),
            JSONMember("transient_queues", contents { $0.owner != nil }),
        ])
    }

    /// `Message.t`: `{"payload": "<text>", "kind": ["Request", q] | ["Response", [q, n]]}`.
    static func messageJSON(_ entry: Entry) -> JSONValue {
        let kind: JSONValue
        switch entry.kind {
        case .request(let replyTo): kind = .array([.string("Request"), .string(replyTo)])
        case .response(let queue, let id): kind = .array([.string("Response"), .array([.string(queue), .int(id)])])
        }
        return .object([JSONMember("payload", .string(entry.payload)), JSONMember("kind", kind)])
    }
}

extension SwitchState.Origin {
    var json: JSONValue {
        switch self {
        case .name(let n): return .array([.string("Name"), .string(n)])
        case .anonymous(let c): return .array([.string("Anonymous"), .string(c)])
        }
    }
}

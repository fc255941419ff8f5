/// `Task.state`.
public enum TaskState: Sendable, Hashable, XenopsCodable {
    /// Running, with progress 0…1.
    case pending(Double)
    /// Finished: how long it took and an optional result.
    case completed(duration: Double, result: JSONValue?)
    /// Failed with a marshalled `Errors.error`.
    case failed(JSONValue)

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Task.state")
        switch v.key {
        case "pending": self = .pending(try v.argument())
        case "completed":
            self = try v.decodeArgument { arg in
                let r = try XenopsRecordReader(arg, typeName: "Task.completion_t")
                return .completed(duration: try r.required("duration"), result: try r.optional("result"))
            }
        case "failed": self = .failed(try v.argument())
        default: throw v.unknownTag(expected: ["Pending", "Completed", "Failed"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .pending(let p): return xenopsVariant("Pending", .double(p))
        case .completed(let duration, let result):
            var w = XenopsRecordWriter(capacity: 2)
            w.set("duration", duration)
            w.set("result", optional: result)
            return xenopsVariant("Completed", w.json)
        case .failed(let error): return xenopsVariant("Failed", error)
        }
    }

    /// Whether the task has finished, successfully or not.
    public var isFinished: Bool {
        if case .pending = self { return false }
        return true
    }
}

/// `Task.t`: what `Task.stat` returns.
public struct TaskInfo: Sendable, Hashable, XenopsCodable {
    public var id: String
    /// The log part of the `debug_info` the task was created with.
    public var dbg: String
    /// Creation time, seconds since the epoch.
    public var ctime: Double
    public var state: TaskState
    public var subtasks: [String: TaskState] = [:]
    public var debugInfo: [String: String] = [:]
    /// An S-expression; `"()"` when empty.
    public var backtrace = "()"
    public var cancellable = true

    public init(id: String, dbg: String, ctime: Double, state: TaskState, subtasks: [String: TaskState] = [:], debugInfo: [String: String] = [:], backtrace: String = "()", cancellable: Bool = true) {
        self.id = id
        self.dbg = dbg
        self.ctime = ctime
        self.state = state
        self.subtasks = subtasks
        self.debugInfo = debugInfo
        self.backtrace = backtrace
        self.cancellable = cancellable
    }

    public init(xenops value: JSONValue) throws {
        let r = try XenopsRecordReader(value, typeName: "Task.t")
        id = try r.required("id")
        dbg = try r.required("dbg")
        ctime = try r.required("ctime")
        state = try r.required("state")
        subtasks = try r.required("subtasks")
        debugInfo = try r.required("debug_info")
        backtrace = try r.required("backtrace")
        cancellable = try r.required("cancellable")
    }

    public var xenops: JSONValue {
        var w = XenopsRecordWriter(capacity: 8)
        w.set("id", id)
        w.set("dbg", dbg)
        w.set("ctime", ctime)
        w.set("state", state)
        w.set("subtasks", subtasks)
        w.set("debug_info", debugInfo)
        w.set("backtrace", backtrace)
        w.set("cancellable", cancellable)
        return w.json
    }
}

/// `Dynamic.id`: an object that changed, as UPDATES reports it.
public enum DynamicID: Sendable, Hashable, XenopsCodable, CustomStringConvertible {
    case vm(String)
    case vbd(DeviceID)
    case vif(DeviceID)
    case pci(DeviceID)
    case vgpu(DeviceID)
    case vusb(DeviceID)
    case task(String)

    public init(xenops value: JSONValue) throws {
        let v = try XenopsVariantReader(value, typeName: "Dynamic.id")
        switch v.key {
        case "vm": self = .vm(try v.argument())
        case "vbd": self = .vbd(try v.argument())
        case "vif": self = .vif(try v.argument())
        case "pci": self = .pci(try v.argument())
        case "vgpu": self = .vgpu(try v.argument())
        case "vusb": self = .vusb(try v.argument())
        case "task": self = .task(try v.argument())
        default: throw v.unknownTag(expected: ["Vm", "Vbd", "Vif", "Pci", "Vgpu", "Vusb", "Task"])
        }
    }

    public var xenops: JSONValue {
        switch self {
        case .vm(let id): return xenopsVariant("Vm", .string(id))
        case .vbd(let id): return xenopsVariant("Vbd", id.xenops)
        case .vif(let id): return xenopsVariant("Vif", id.xenops)
        case .pci(let id): return xenopsVariant("Pci", id.xenops)
        case .vgpu(let id): return xenopsVariant("Vgpu", id.xenops)
        case .vusb(let id): return xenopsVariant("Vusb", id.xenops)
        case .task(let id): return xenopsVariant("Task", .string(id))
        }
    }

    /// The VM this object belongs to (nil for tasks).
    public var vmID: String? {
        switch self {
        case .vm(let id): return id
        case .vbd(let d), .vif(let d), .pci(let d), .vgpu(let d), .vusb(let d): return d.vm
        case .task: return nil
        }
    }

    public var description: String {
        switch self {
        case .vm(let id): return "VM \(id)"
        case .vbd(let d): return "VBD \(d)"
        case .vif(let d): return "VIF \(d)"
        case .pci(let d): return "PCI \(d)"
        case .vgpu(let d): return "VGPU \(d)"
        case .vusb(let d): return "VUSB \(d)"
        case .task(let id): return "task \(id)"
        }
    }
}

/// `Dynamic.barrier`: `(token, ids)`.
public struct Barrier: Sendable, Hashable, XenopsCodable {
    public var id: Int
    public var ids: [DynamicID]

    public init(id: Int, ids: [DynamicID]) {
        self.id = id
        self.ids = ids
    }

    public init(xenops value: JSONValue) throws {
        let e = try xenopsTupleElements(value, count: 2, of: "a barrier [id, ids]")
        id = try Int(xenops: e[0])
        ids = try [DynamicID](xenops: e[1])
    }

    public var xenops: JSONValue { .array([id.xenops, ids.xenops]) }
}

/// The result of `UPDATES.get`: `(barriers, ids, next)`.
public struct UpdatesResult: Sendable, Hashable, XenopsCodable {
    public var barriers: [Barrier]
    public var ids: [DynamicID]
    public var next: Int

    public init(barriers: [Barrier], ids: [DynamicID], next: Int) {
        self.barriers = barriers
        self.ids = ids
        self.next = next
    }

    public init(xenops value: JSONValue) throws {
        let e = try xenopsTupleElements(value, count: 3, of: "the UPDATES.get result [barriers, ids, next]")
        barriers = try [Barrier](xenops: e[0])
        ids = try [DynamicID](xenops: e[1])
        next = try Int(xenops: e[2])
    }

    public var xenops: JSONValue { .array([barriers.xenops, ids.xenops, next.xenops]) }
}

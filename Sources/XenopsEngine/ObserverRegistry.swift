import Synchronization
import XenopsCore

/// The `Observer.*` configuration (OpenTelemetry control): tracer providers by uuid and the
/// exporter's global settings, kept with xenopsd's semantics (`Tracing.TracerProvider`,
/// `Tracing_export`) and shown in `get_diagnostics`. No spans are recorded or exported yet.
///
/// Like xenopsd's, it lives in memory only: XAPI pushes every observer again when it starts.
public final class ObserverRegistry: Sendable {
    /// One tracer provider.
    public struct Provider: Sendable, Hashable {
        public var nameLabel: String
        public var attributes: [String: String]
        /// `"bugtool"` or a URL, as XAPI sends them.
        public var endpoints: [String]
        public var enabled: Bool
    }

    /// The exporter's settings; the defaults are xenopsd's (`tracing_export.ml`, `tracing.ml`).
    public struct Settings: Sendable, Hashable {
        public var initialised = false
        public var traceLogDir = "/var/log/dt/zipkinv2/json"
        public var exportInterval = 30.0
        public var exportChunkSize = 10_000
        public var maxSpans = 2_500
        public var maxTraces = 1_000
        public var maxDepth = 100
        public var maxFileSize = 1 << 20
        public var hostID = "localhost"
        public var compressTracingFiles = true
    }

    struct State {
        var providers: [String: Provider] = [:]
        var settings = Settings()
    }

    private let state = Mutex(State())

    public init() {}

    /// The providers by uuid.
    public var providers: [String: Provider] { state.withLock { $0.providers } }
    public var settings: Settings { state.withLock { $0.settings } }

    /// Applies one call. Returns a note for the log when xenopsd would log one (a duplicate
    /// `create`).
    ///
    /// - Throws: `Internal_error` (the only failure the Observer interface has besides
    ///   `Unimplemented`) when a `set_*` names a provider that does not exist, as xenopsd does.
    @discardableResult
    public func apply(_ command: ObserverCommand) throws(XenopsError) -> String? {
        try state.withLock { (s: inout State) throws(XenopsError) -> String? in
            switch command {
            case .create(let uuid, let nameLabel, let attributes, let endpoints, let enabled):
                // CP-45469: xenopsd keeps the existing provider and does not fail.
                guard s.providers[uuid] == nil else { return "Observer \(uuid) (\(nameLabel)) already exists; kept unchanged" }
                s.providers[uuid] = Provider(nameLabel: nameLabel, attributes: attributes, endpoints: endpoints, enabled: enabled)
            case .destroy(let uuid):
                s.providers[uuid] = nil
            case .setEnabled(let uuid, let enabled):
                try Self.update(&s, uuid, command) { $0.enabled = enabled }
            case .setAttributes(let uuid, let attributes):
                try Self.update(&s, uuid, command) { $0.attributes = attributes }
            case .setEndpoints(let uuid, let endpoints):
                try Self.update(&s, uuid, command) { $0.endpoints = endpoints }
            case .initialise: s.settings.initialised = true
            case .setTraceLogDir(let dir): s.settings.traceLogDir = dir
            case .setExportInterval(let seconds): s.settings.exportInterval = seconds
            case .setExportChunkSize(let n): s.settings.exportChunkSize = n
            case .setMaxSpans(let n): s.settings.maxSpans = n
            case .setMaxTraces(let n): s.settings.maxTraces = n
            case .setMaxDepth(let n): s.settings.maxDepth = n
            case .setMaxFileSize(let n): s.settings.maxFileSize = n
            case .setHostID(let id): s.settings.hostID = id
            case .setCompressTracingFiles(let on): s.settings.compressTracingFiles = on
            }
            return nil
        }
    }

    private static func update(_ s: inout State, _ uuid: String, _ command: ObserverCommand, _ change: (inout Provider) -> Void) throws(XenopsError) {
        guard var p = s.providers[uuid] else {
            throw .internalError("\(command.method): the TracerProvider \(uuid) does not exist. Create it with Observer.create first.")
        }
        change(&p)
        s.providers[uuid] = p
    }

    /// The configuration as JSON, for `get_diagnostics`.
    public var diagnostics: JSONValue {
        let (providers, t) = state.withLock { ($0.providers, $0.settings) }
        let list: [JSONValue] = providers.sorted { $0.key < $1.key }.map { uuid, p in
            .object([
                JSONMember("uuid", .string(uuid)),
                JSONMember("name_label", .string(p.nameLabel)),
                JSONMember("attributes", .object(p.attributes.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string($0.value)) })),
                JSONMember("endpoints", .array(p.endpoints.map { .string($0) })),
                JSONMember("enabled", .bool(p.enabled)),
            ])
        }
        return .object([
            JSONMember("providers", .array(list)),
            JSONMember("initialised", .bool(t.initialised)),
            JSONMember("trace_log_dir", .string(t.traceLogDir)),
            JSONMember("export_interval", .double(t.exportInterval)),
            JSONMember("export_chunk_size", .int(Int64(t.exportChunkSize))),
            JSONMember("max_spans", .int(Int64(t.maxSpans))),
            JSONMember("max_traces", .int(Int64(t.maxTraces))),
            JSONMember("max_depth", .int(Int64(t.maxDepth))),
            JSONMember("max_file_size", .int(Int64(t.maxFileSize))),
            JSONMember("host_id", .string(t.hostID)),
            JSONMember("compress_tracing_files", .bool(t.compressTracingFiles)),
            JSONMember("exporting", .bool(false)),
        ])
    }
}

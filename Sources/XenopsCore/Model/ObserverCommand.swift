/// One `Observer.*` call (OpenTelemetry control, `xen-api:ocaml/xapi-idl/lib/observer_helpers.ml`),
/// with xenopsd's meaning (`Xenops_server.Observer` over `Tracing.TracerProvider` and
/// `Tracing_export`). The daemon keeps the configuration; it exports no spans yet.
public enum ObserverCommand: Sendable, Hashable {
    /// Adds a tracer provider. An existing uuid is kept unchanged (xenopsd logs and carries on).
    case create(uuid: String, nameLabel: String, attributes: [String: String], endpoints: [String], enabled: Bool)
    /// Forgets a provider; an unknown uuid is not an error.
    case destroy(uuid: String)
    /// Turns a provider on or off; the provider must exist.
    case setEnabled(uuid: String, enabled: Bool)
    /// Replaces a provider's attributes; the provider must exist.
    case setAttributes(uuid: String, attributes: [String: String])
    /// Replaces a provider's endpoints (`"bugtool"` or a URL); the provider must exist.
    case setEndpoints(uuid: String, endpoints: [String])
    /// Starts the exporter (xenopsd's `Tracing_export.main`); legal at any time, repeatable.
    case initialise
    case setTraceLogDir(String)
    /// Seconds between exports.
    case setExportInterval(Double)
    case setExportChunkSize(Int)
    case setMaxSpans(Int)
    case setMaxTraces(Int)
    case setMaxDepth(Int)
    /// Bytes per trace file.
    case setMaxFileSize(Int)
    case setHostID(String)
    case setCompressTracingFiles(Bool)

    /// The wire method, e.g. `"Observer.create"`.
    public var method: String {
        switch self {
        case .create: return "Observer.create"
        case .destroy: return "Observer.destroy"
        case .setEnabled: return "Observer.set_enabled"
        case .setAttributes: return "Observer.set_attributes"
        case .setEndpoints: return "Observer.set_endpoints"
        case .initialise: return "Observer.init"
        case .setTraceLogDir: return "Observer.set_trace_log_dir"
        case .setExportInterval: return "Observer.set_export_interval"
        case .setExportChunkSize: return "Observer.set_export_chunk_size"
        case .setMaxSpans: return "Observer.set_max_spans"
        case .setMaxTraces: return "Observer.set_max_traces"
        case .setMaxDepth: return "Observer.set_max_depth"
        case .setMaxFileSize: return "Observer.set_max_file_size"
        case .setHostID: return "Observer.set_host_id"
        case .setCompressTracingFiles: return "Observer.set_compress_tracing_files"
        }
    }
}

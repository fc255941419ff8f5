import XenopsCore

/// Routes decoded requests to a ``XenopsService`` and renders the replies.
public struct Dispatcher: Sendable {
    public let service: any XenopsService

    public init(service: any XenopsService) {
        self.service = service
    }

    /// Handles one request body and returns the reply body. Never throws: every failure
    /// becomes a JSON-RPC error reply in the request's flavour.
    public func handle(body: some Collection<UInt8>, limits: JSONLimits = .default) async -> [UInt8] {
        let request: RPCRequest
        do { request = try RPCRequest.decode(body, limits: limits) } catch {
            return RPCResponse.render(error)
        }
        let outcome = await call(request)
        return RPCResponse.render(outcome, flavour: request.flavour, id: request.id)
    }

    /// Runs one decoded request.
    public func call(_ request: RPCRequest) async -> RPCOutcome {
        guard let method = MethodCatalog.byName[request.method] else {
            return .failure(.methodNotFound(request.method))
        }
        let params = Self.upgradeLegacy(request)
        let args = RPCArguments(method: method.name, params: params, spec: method.params)
        do {
            return .success(try await method.handler(args, service))
        } catch {
            if method.kind != .unimplemented, case .internalError(let m) = error, m.hasPrefix("\(method.name): parameter") {
                return .failure(.invalidParams(method: method.name, message: String(m.dropFirst(method.name.count + 2))))
            }
            return .failure(.xenops(error))
        }
    }

    /// ocaml-rpc upgrades two positional calls from clients older than `debug_info`:
    /// `VM.import_metadata [dbg, metadata]` and `query [dbg, unit]`. JSON-RPC 2.0 positional
    /// params are mapped onto the method's parameter names in order.
    static func upgradeLegacy(_ request: RPCRequest) -> RPCParams {
        var params = request.params
        guard !params.hasNamed, !params.positional.isEmpty else { return params }
        let list = params.positional
        switch request.method {
        case "VM.import_metadata", "query":
            params.set("debug_info", list[0])
            if list.count > 1 { params.set(request.method == "query" ? "unit" : "metadata", list[1]) }
        default:
            guard let method = MethodCatalog.byName[request.method] else { return params }
            let names = ["debug_info"] + method.params.map(\.name)
            for (name, value) in zip(names, list) { params.set(name, value) }
        }
        return params
    }
}

import XenopsCore
import XenopsRPC

/// Sends a request body through a ``Dispatcher`` over a fresh ``FakeXenopsService`` and parses the reply.
struct DispatchHarness {
    let service = FakeXenopsService()
    var dispatcher: Dispatcher { Dispatcher(service: service) }

    /// The parsed reply to `body`.
    func reply(_ body: String) async throws -> JSONValue {
        try JSONValue.parse(await dispatcher.handle(body: Array(body.utf8)))
    }

    /// A v1 call with the given named parameters after `debug_info`.
    func v1(_ method: String, _ params: String = "", id: Int = 1) async throws -> JSONValue {
        let extra = params.isEmpty ? "" : "," + params
        return try await reply(#"{"method":"\#(method)","params":[{"debug_info":"test"\#(extra)}],"id":\#(id)}"#)
    }
}

extension JSONValue {
    /// The message of an `["Internal_error", message]` value.
    var internalErrorMessage: String? {
        guard case .array(let a) = self, a.count == 2, a[0] == .string("Internal_error") else { return nil }
        return a[1].stringValue
    }
}

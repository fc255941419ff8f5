import Logging
import XenopsCore
import XenopsEngine
import XenopsRPC

/// Turns one request body into one reply body, whatever transport carried it.
///
/// This is the seam between the transports and the API: a transport (HTTP on a Unix socket,
/// the message-switch, XAPI's sockets) hands over the bytes of a request and sends back the
/// bytes returned; it never decodes a call itself. The encoding is told from the body
/// (``RPCEncoding/sniff(_:)``) and the reply is written in kind. Calls of long-poll methods
/// (`UPDATES.get`) run through ``longPolls``, so one graceful shutdown answers them all.
public struct CallRunner: Sendable {
    public let dispatcher: Dispatcher
    /// The limits every request body is decoded with.
    public let limits: JSONLimits
    /// The long polls in progress, for every transport that shares this runner.
    public let longPolls: LongPollRegistry
    let logger: Logger

    public init(dispatcher: Dispatcher, limits: JSONLimits = .default, longPolls: LongPollRegistry = LongPollRegistry(), logger: Logger = Logger(label: "xenopsd.rpc")) {
        self.dispatcher = dispatcher
        self.limits = limits
        self.longPolls = longPolls
        self.logger = logger
    }

    /// Decodes, logs and runs one request, and returns the reply body. Never throws: every
    /// failure becomes an error reply in the request's flavour.
    public func serve(_ body: some Collection<UInt8>) async -> [UInt8] {
        let request: RPCRequest
        do {
            request = try RPCRequest.decode(body, limits: limits)
        } catch {
            logger.debug("rejected a request: \(error.error.message)")
            return RPCResponse.render(error)
        }
        return await serve(request)
    }

    /// Runs one decoded request and returns the reply body.
    public func serve(_ request: RPCRequest) async -> [UInt8] {
        if logger.logLevel <= .debug {
            var metadata: Logger.Metadata = ["method": .string(request.method)]
            if case .string(let dbg)? = request.params["debug_info"] { metadata["dbg"] = .string(DebugInfo(dbg).log) }
            logger.debug("request", metadata: metadata)
        }
        let outcome: RPCOutcome
        if MethodCatalog.byName[request.method]?.longPoll == true {
            let dispatcher = self.dispatcher
            outcome = await longPolls.run { await dispatcher.call(request) }
        } else {
            outcome = await dispatcher.call(request)
        }
        if case .failure(let error) = outcome, logger.logLevel <= .debug {
            logger.debug("\(request.method) failed: \(error.message)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(2048)  // a VM.stat reply is ~1.5 KiB: one allocation, no regrowth
        RPCResponse.render(outcome, flavour: request.flavour, id: request.id, into: &out)
        return out
    }
}

/// Why an XML-RPC document could not be read: a message that says what was wrong and where,
/// fit to be sent back to the client (never the parser's raw text alone).
public struct XMLRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, in one sentence.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// The same error seen from inside `context` (e.g. `"member \"vm\""`).
    func inside(_ context: String) -> XMLRPCError {
        XMLRPCError("\(message) (in \(context))")
    }
}

/// Reads a xenops variant: `"Tag"` for a constructor without argument, `["Tag", arg]` for one
/// with an argument (several arguments as an array). Tags match case-insensitively.
public struct XenopsVariantReader {
    /// The type name, for error messages.
    public let typeName: String
    /// The tag as received.
    public let tag: String
    /// The tag, lowercased, for matching.
    public let key: String
    /// The argument, if the constructor carries one.
    public let argument: JSONValue?

    public init(_ value: JSONValue, typeName: String) throws {
        self.typeName = typeName
        switch value {
        case .string(let tag):
            self.tag = tag
            self.argument = nil
        case .array(let elements) where !elements.isEmpty:
            guard case .string(let tag) = elements[0] else {
                throw XenopsDecodeError("expected a variant tag string as the first element, found \(describeFound(elements[0]))", rootType: typeName)
            }
            self.tag = tag
            switch elements.count {
            case 1: self.argument = nil
            case 2: self.argument = elements[1]
            // Several arguments not wrapped in an array: accept them as one tuple.
            default: self.argument = .array(Array(elements.dropFirst()))
            }
        default:
            throw XenopsDecodeError("expected a variant (\"Tag\" or [\"Tag\", argument]), found \(describeFound(value))", rootType: typeName)
        }
        self.key = tag.lowercased()
    }

    /// The argument, decoded; an error if the constructor was sent without one.
    public func argument<T: XenopsCodable>(as: T.Type = T.self) throws -> T {
        try decodeArgument { try T(xenops: $0) }
    }

    /// The argument, decoded with a custom function.
    public func decodeArgument<T>(_ decode: (JSONValue) throws -> T) throws -> T {
        guard let argument else {
            throw XenopsDecodeError("constructor \(tag) needs an argument").inVariant(tag, of: typeName)
        }
        do { return try decode(argument) } catch let error as XenopsDecodeError {
            throw error.inVariant(tag, of: typeName)
        }
    }

    /// The tuple elements of the argument.
    public func tupleArguments(_ count: Int) throws -> [JSONValue] {
        try decodeArgument { try xenopsTupleElements($0, count: count, of: "the arguments of \(tag)") }
    }

    /// The error for a tag this type does not have.
    public func unknownTag(expected: [String]) -> XenopsDecodeError {
        XenopsDecodeError("unknown constructor \"\(tag)\" (expected one of \(expected.joined(separator: ", ")))", rootType: typeName)
    }
}

/// Encodes a variant constructor.
public func xenopsVariant(_ tag: String, _ argument: JSONValue? = nil) -> JSONValue {
    guard let argument else { return .string(tag) }
    return .array([.string(tag), argument])
}

/// A variant whose constructors carry no argument, encoded as `"Tag"`.
public protocol XenopsEnum: XenopsCodable, CaseIterable, RawRepresentable, Hashable where RawValue == String {
    /// The OCaml type name, for error messages.
    static var xenopsTypeName: String { get }
    /// The constructor an unknown tag decodes to, if the type has a `[@@default]`.
    static var fallback: Self? { get }
}

extension XenopsEnum {
    public static var fallback: Self? { nil }

    public init(xenops value: JSONValue) throws {
        let variant = try XenopsVariantReader(value, typeName: Self.xenopsTypeName)
        if let match = Self.allCases.first(where: { $0.rawValue.lowercased() == variant.key }) {
            self = match
        } else if let fallback = Self.fallback {
            self = fallback
        } else {
            throw variant.unknownTag(expected: Self.allCases.map(\.rawValue))
        }
    }

    public var xenops: JSONValue { .string(rawValue) }
}

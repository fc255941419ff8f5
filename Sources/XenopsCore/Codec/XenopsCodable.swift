/// A value with a xenops (ocaml-rpc) JSON encoding.
///
/// `init(xenops:)` accepts everything ocaml-rpc accepts on input (case-insensitive record
/// keys and variant tags, numeric strings for numbers, defaults for missing `=d` fields);
/// `xenops` produces exactly what the OCaml xenopsd emits (variants as `"Tag"` or
/// `["Tag", arg]`, `None` record fields omitted, `(string * x) list` as objects).
/// Decoders throw only ``XenopsDecodeError``.
public protocol XenopsCodable: Sendable {
    /// Decodes a value from its xenops JSON encoding.
    init(xenops value: JSONValue) throws
    /// The xenops JSON encoding of this value.
    var xenops: JSONValue { get }
}

/// What was wrong with a xenops JSON document, and where.
public struct XenopsDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was found versus what was expected.
    public var problem: String
    /// The path of fields, list indices and variant tags from the outermost value inward.
    public var path: [String]
    /// The record type that owns the innermost field on the path.
    public var fieldOwner: String?
    /// The outermost type being decoded.
    public var rootType: String?

    public init(_ problem: String, path: [String] = [], fieldOwner: String? = nil, rootType: String? = nil) {
        self.problem = problem
        self.path = path
        self.fieldOwner = fieldOwner
        self.rootType = rootType
    }

    /// The same error seen from the record `type` that was decoding `field`.
    public func inField(_ field: String, of type: String) -> XenopsDecodeError {
        var copy = self
        copy.path.insert(field, at: 0)
        if copy.fieldOwner == nil { copy.fieldOwner = type }
        copy.rootType = type
        return copy
    }

    /// The same error seen from the list that held the value at `index`.
    public func inElement(_ index: Int) -> XenopsDecodeError {
        var copy = self
        copy.path.insert("[\(index)]", at: 0)
        return copy
    }

    /// The same error seen from the variant `tag` of `type` whose argument was wrong.
    public func inVariant(_ tag: String, of type: String) -> XenopsDecodeError {
        var copy = self
        copy.path.insert(tag, at: 0)
        copy.rootType = type
        return copy
    }

    /// The same error with the outermost type named, if nothing named it yet.
    public func decoding(_ type: String) -> XenopsDecodeError {
        var copy = self
        if copy.rootType == nil { copy.rootType = type }
        return copy
    }

    public var description: String {
        var text = "invalid \(rootType ?? "value")"
        if !path.isEmpty {
            var rendered = ""
            for component in path {
                if component.hasPrefix("[") { rendered += component } else {
                    rendered += rendered.isEmpty ? component : "." + component
                }
            }
            text += ": field '\(rendered)'"
            if let owner = fieldOwner, owner != rootType { text += " (of \(owner))" }
        }
        return text + ": " + problem
    }
}

/// Runs `body`, re-throwing a decode error as seen from field `field` of record `type`.
@inline(__always)
func inField<T>(_ field: String, of type: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as XenopsDecodeError {
        throw error.inField(field, of: type)
    }
}

/// A short rendering of a JSON value for error messages.
func describeFound(_ value: JSONValue) -> String {
    switch value {
    case .string(let s):
        let shown = s.count > 40 ? String(s.prefix(40)) + "…" : s
        return "a string \"\(shown)\""
    case .int(let i): return "the integer \(i)"
    case .double(let d): return "the number \(d)"
    case .bool(let b): return "the boolean \(b)"
    default: return value.kindName
    }
}

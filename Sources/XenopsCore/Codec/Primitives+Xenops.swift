import Foundation

// xenops encodings of the primitive OCaml types: string, bool, int, int32, int64, float,
// lists, `(string * x) list` and the arbitrary `Rpc.t`.

extension String: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        guard case .string(let s) = value else {
            throw XenopsDecodeError("expected a string, found \(describeFound(value))")
        }
        self = s
    }
    public var xenops: JSONValue { .string(self) }
}

extension Bool: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        switch value {
        case .bool(let b): self = b
        // ocaml-rpc's of_string path accepts the literal strings as well.
        case .string(let s) where s.lowercased() == "true": self = true
        case .string(let s) where s.lowercased() == "false": self = false
        default: throw XenopsDecodeError("expected a boolean, found \(describeFound(value))")
        }
    }
    public var xenops: JSONValue { .bool(self) }
}

/// Decodes an integer as ocaml-rpc does: a JSON integer, an integral float, or a numeric string.
func decodeInteger(_ value: JSONValue) throws -> Int64 {
    switch value {
    case .int(let i): return i
    case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
    case .string(let s):
        if let i = Int64(s.trimmingCharacters(in: .whitespaces)) { return i }
        throw XenopsDecodeError("expected an integer, found \(describeFound(value))")
    default:
        throw XenopsDecodeError("expected an integer, found \(describeFound(value))")
    }
}

extension Int64: XenopsCodable {
    public init(xenops value: JSONValue) throws { self = try decodeInteger(value) }
    public var xenops: JSONValue { .int(self) }
}

extension Int: XenopsCodable {
    public init(xenops value: JSONValue) throws { self = Int(try decodeInteger(value)) }
    public var xenops: JSONValue { .int(Int64(self)) }
}

extension Int32: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        let wide = try decodeInteger(value)
        guard let narrow = Int32(exactly: wide) else {
            throw XenopsDecodeError("integer \(wide) does not fit in int32")
        }
        self = narrow
    }
    public var xenops: JSONValue { .int(Int64(self)) }
}

extension Double: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        switch value {
        case .double(let d): self = d
        case .int(let i): self = Double(i)
        case .string(let s):
            guard let d = Double(s.trimmingCharacters(in: .whitespaces)) else {
                throw XenopsDecodeError("expected a number, found \(describeFound(value))")
            }
            self = d
        default: throw XenopsDecodeError("expected a number, found \(describeFound(value))")
        }
    }
    public var xenops: JSONValue { .double(self) }
}

extension JSONValue: XenopsCodable {
    /// `Rpc.t`: passed through unchanged.
    public init(xenops value: JSONValue) throws { self = value }
    public var xenops: JSONValue { self }
}

extension Array: XenopsCodable where Element: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        guard case .array(let elements) = value else {
            throw XenopsDecodeError("expected a list, found \(describeFound(value))")
        }
        var result: [Element] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            do { result.append(try Element(xenops: element)) } catch let error as XenopsDecodeError {
                throw error.inElement(index)
            }
        }
        self = result
    }
    public var xenops: JSONValue { .array(map(\.xenops)) }
}

/// `(string * x) list`, encoded as a JSON object. Keys are data, so they keep their case.
extension Dictionary: XenopsCodable where Key == String, Value: XenopsCodable {
    public init(xenops value: JSONValue) throws {
        switch value {
        case .object(let members):
            var result: [String: Value] = [:]
            result.reserveCapacity(members.count)
            for member in members {
                do { result[member.key] = try Value(xenops: member.value) } catch let error as XenopsDecodeError {
                    throw error.inKey(member.key)
                }
            }
            self = result
        case .array(let pairs):
            // Some older clients send association lists as [[k, v], …].
            var result: [String: Value] = [:]
            for (index, pair) in pairs.enumerated() {
                guard case .array(let kv) = pair, kv.count == 2, case .string(let key) = kv[0] else {
                    throw XenopsDecodeError("expected an object of key/value pairs, found a list").inElement(index)
                }
                result[key] = try Value(xenops: kv[1])
            }
            self = result
        default:
            throw XenopsDecodeError("expected an object of key/value pairs, found \(describeFound(value))")
        }
    }

    /// Keys are emitted sorted so that output is stable.
    public var xenops: JSONValue {
        .object(keys.sorted().map { JSONMember($0, self[$0]!.xenops) })
    }
}

extension XenopsDecodeError {
    /// The same error seen from the association list that held the value under `key`.
    func inKey(_ key: String) -> XenopsDecodeError {
        var copy = self
        copy.path.insert("[\"\(key)\"]", at: 0)
        return copy
    }
}

// MARK: - Non-field options and tuples

/// Encodes an option that is not a record field (inside a tuple, list or variant): `[]` or `[v]`.
public func xenopsEncodeNonFieldOption<T: XenopsCodable>(_ value: T?) -> JSONValue {
    if let value { return .array([value.xenops]) }
    return .array([])
}

/// Decodes an option that is not a record field: `[]`/`null` is `None`, `[v]` is `Some v`.
public func xenopsDecodeNonFieldOption<T: XenopsCodable>(_ value: JSONValue, as: T.Type = T.self) throws -> T? {
    switch value {
    case .null: return nil
    case .array(let elements) where elements.isEmpty: return nil
    case .array(let elements) where elements.count == 1: return try T(xenops: elements[0])
    default:
        throw XenopsDecodeError("expected an option ([] or [value]), found \(describeFound(value))")
    }
}

/// The elements of a tuple encoded as a JSON array of exactly `count` elements.
public func xenopsTupleElements(_ value: JSONValue, count: Int, of type: String) throws -> [JSONValue] {
    guard case .array(let elements) = value, elements.count == count else {
        throw XenopsDecodeError("expected \(type) as a list of \(count) elements, found \(describeFound(value))")
    }
    return elements
}

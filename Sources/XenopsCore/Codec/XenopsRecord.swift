/// Reads the fields of a xenops record (an OCaml record encoded as a JSON object).
///
/// Keys match case-insensitively, as ocaml-rpc lowercases them on input. A missing required
/// field, or a field of the wrong shape, throws an error naming the field and the record type.
public struct XenopsRecordReader {
    /// The record type, for error messages (e.g. `"Vm.t"`).
    public let typeName: String
    private let members: [String: JSONValue]

    public init(_ value: JSONValue, typeName: String) throws {
        guard case .object(let list) = value else {
            throw XenopsDecodeError("expected an object, found \(describeFound(value))", rootType: typeName)
        }
        var members: [String: JSONValue] = [:]
        members.reserveCapacity(list.count)
        for member in list {
            let key = member.key.lowercased()
            // The first occurrence wins, as in ocaml-rpc's assoc lookup.
            if members[key] == nil { members[key] = member.value }
        }
        self.typeName = typeName
        self.members = members
    }

    /// Whether the record carries `name` (case-insensitively).
    public func has(_ name: String) -> Bool { members[name] != nil }

    /// The raw JSON of a field, if present.
    public func raw(_ name: String) -> JSONValue? { members[name] }

    /// A required field.
    public func required<T: XenopsCodable>(_ name: String, as: T.Type = T.self) throws -> T {
        guard let value = members[name] else {
            throw XenopsDecodeError("required field is missing").inField(name, of: typeName)
        }
        return try inField(name, of: typeName) { try T(xenops: value) }
    }

    /// A field with an OCaml `[@default]`: missing means `defaultValue`.
    public func defaulted<T: XenopsCodable>(_ name: String, _ defaultValue: @autoclosure () -> T) throws -> T {
        guard let value = members[name] else { return defaultValue() }
        return try inField(name, of: typeName) { try T(xenops: value) }
    }

    /// A record field of option type: missing or `null` is `None`, otherwise the bare value.
    public func optional<T: XenopsCodable>(_ name: String, as: T.Type = T.self) throws -> T? {
        guard let value = members[name] else { return nil }
        if case .null = value { return nil }
        return try inField(name, of: typeName) { try T(xenops: value) }
    }

    /// A required field decoded with a custom function (tuples, non-field options).
    public func required<T>(_ name: String, decode: (JSONValue) throws -> T) throws -> T {
        guard let value = members[name] else {
            throw XenopsDecodeError("required field is missing").inField(name, of: typeName)
        }
        return try inField(name, of: typeName) { try decode(value) }
    }

    /// An optional field decoded with a custom function.
    public func optional<T>(_ name: String, decode: (JSONValue) throws -> T) throws -> T? {
        guard let value = members[name] else { return nil }
        if case .null = value { return nil }
        return try inField(name, of: typeName) { try decode(value) }
    }
}

/// Builds the JSON object of a xenops record, in declaration order.
public struct XenopsRecordWriter {
    public private(set) var members: [JSONMember] = []

    public init(capacity: Int = 8) { members.reserveCapacity(capacity) }

    /// Sets a field.
    public mutating func set<T: XenopsCodable>(_ name: String, _ value: T) {
        members.append(JSONMember(name, value.xenops))
    }

    /// Sets a field to a raw JSON value.
    public mutating func set(_ name: String, json: JSONValue) {
        members.append(JSONMember(name, json))
    }

    /// Sets an option field: omitted when `nil`, the bare value otherwise.
    public mutating func set<T: XenopsCodable>(_ name: String, optional value: T?) {
        if let value { members.append(JSONMember(name, value.xenops)) }
    }

    /// The finished record.
    public var json: JSONValue { .object(members) }
}

/// A JSON value as RFC 8259 defines it.
///
/// Values are immutable and `Sendable`. Numbers keep their exact literal text (see `JSONNumber`) and objects keep
/// their members in order (see `JSONObject`). Equality follows JSON semantics for objects (member order does not
/// matter) and compares numbers by their text.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its literal text.
    case number(JSONNumber)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with ordered, unique keys.
    case object(JSONObject)
}

extension JSONValue {
    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The number as an `Int`, if this is a number written as an integer that fits (see `JSONNumber.intValue`).
    public var intValue: Int? {
        if case .number(let number) = self { return number.intValue }
        return nil
    }

    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? {
        if case .number(let number) = self { return number.doubleValue }
        return nil
    }

    /// The number, if this is a number.
    public var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The Boolean, if this is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON type's name for messages: "null", "boolean", "number", "string", "array" or "object".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A short description for error messages: the type name followed by the compact JSON text when that is at
    /// most 40 bytes (`string "ten"`, `number 2.5`, `boolean true`, `null`), otherwise the type name alone
    /// (`array`, `object`, `string`).
    public var briefDescription: String {
        switch self {
        case .null:
            return "null"
        case .array(let elements) where elements.isEmpty:
            return "an empty array"
        case .object(let object) where object.isEmpty:
            return "an empty object"
        default:
            let text = self.text
            return text.utf8.count <= 40 ? "\(typeName) \(text)" : typeName
        }
    }
}

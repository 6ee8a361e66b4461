public import JSONValue

/// Reads a handler's `args` object field by field, turning every mismatch into an `ArgumentError`.
public struct ArgumentReader: Sendable {
    /// The arguments object.
    public let object: JSONObject

    /// Checks that `arguments` is an object whose keys are all in `allowed`.
    public init(_ arguments: JSONValue, kind: String, allowed: Set<String>) throws(ArgumentError) {
        guard let object = arguments.objectValue else {
            throw ArgumentError(field: "", message: "expected an object, got \(arguments.typeName)")
        }
        for key in object.keys where !allowed.contains(key) {
            let known = allowed.sorted().joined(separator: ", ")
            throw ArgumentError(field: key, message: "unknown argument for \(kind); it takes: \(known)")
        }
        self.object = object
    }

    /// A required string.
    public func string(_ field: String) throws(ArgumentError) -> String {
        guard let value = object[field] else { throw ArgumentError(field: field, message: "missing (expected a string)") }
        guard let text = value.stringValue else {
            throw ArgumentError(field: field, message: "expected a string, got \(Self.describe(value))")
        }
        return text
    }

    /// A required integer no smaller than `minimum`.
    public func integer(_ field: String, atLeast minimum: Int) throws(ArgumentError) -> Int {
        guard let value = object[field] else {
            throw ArgumentError(field: field, message: "missing (expected an integer >= \(minimum))")
        }
        guard let number = value.intValue, number >= minimum else {
            throw ArgumentError(field: field, message: "expected an integer >= \(minimum), got \(Self.describe(value))")
        }
        return number
    }

    /// A value's type and, when short, its JSON text: `string "ten"`, `number 2.5`.
    public static func describe(_ value: JSONValue) -> String {
        let text = value.text
        return text.utf8.count <= 40 ? "\(value.typeName) \(text)" : value.typeName
    }
}

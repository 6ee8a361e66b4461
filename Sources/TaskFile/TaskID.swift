public import JSONValue

/// A task's id: a string or an integer from the task file, or the task's 0-based position when absent.
///
/// Equality and hashing use `key` only, so the integer `1` and the string `"1"` are the same id.
public struct TaskID: Sendable, Hashable, CustomStringConvertible {
    /// The canonical key: an integer id's decimal text (`-0` becomes `0`), a string id's text.
    public let key: String
    /// The id as given (`.number` or `.string`), to write back into results unchanged.
    public let original: JSONValue

    /// The id of a task without an explicit id: its 0-based position, as an integer.
    public init(position: Int) {
        key = String(position)
        original = .number(JSONNumber(position))
    }

    /// The id for a JSON value; `nil` unless it is a string or a number written as an integer (any size;
    /// `1.0`, `1e3`, booleans, null, arrays and objects are not ids).
    public init?(json: JSONValue) {
        switch json {
        case .string(let text):
            key = text
        case .number(let number) where number.isIntegerLiteral:
            key = number.text == "-0" ? "0" : number.text
        default:
            return nil
        }
        original = json
    }

    /// The id in JSON text for messages: `7` or `"abc"`.
    public var description: String { original.text }

    /// Whether both ids have the same key.
    public static func == (lhs: TaskID, rhs: TaskID) -> Bool { lhs.key == rhs.key }

    /// Hashes the key.
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

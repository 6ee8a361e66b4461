/// A task field (or a combination of fields) that is not valid.
public struct TaskSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field's path, e.g. `exec`, `exec[2]`, `env.HOME`, `args.rounds`; `nil` when no single field is at
    /// fault.
    public var field: String?
    /// What is wrong and what was found, e.g. `expected an array of strings, got string "ls"`.
    public var message: String

    /// Creates an error.
    public init(field: String?, message: String) {
        self.field = field
        self.message = message
    }

    /// `field "exec": message`, or the message alone.
    public var description: String {
        guard let field else { return message }
        return "field \"\(field)\": \(message)"
    }
}

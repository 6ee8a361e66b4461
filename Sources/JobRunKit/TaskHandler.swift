public import JSONValue

/// A kind of task a worker can run: tasks name it in `run`, and pass it `args`.
///
/// Handlers are values shared by every task a worker runs at once, so they must be `Sendable` and keep no
/// per-task state. `run` may suspend freely (IO, sleeps); CPU-heavy work belongs in `context.compute`, which
/// keeps it off the cooperative thread pool.
public protocol TaskHandler: Sendable {
    /// The name tasks use in their `run` field.
    var name: String { get }

    /// Whether tasks of this kind compute or wait (CPU-bound unless a handler says `.io`).
    var resources: TaskResources { get }

    /// Checks a task's arguments before anything runs, so a bad task file is refused as a whole.
    /// Throws `ArgumentError` naming the offending field (relative to `args`, such as `rounds`).
    func validate(_ arguments: JSONValue) throws(ArgumentError)

    /// Runs one task and returns its result, written to the results file unchanged.
    /// A thrown error makes the task `failed`, with the error's description as the result's `error`.
    func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue
}

/// A task's arguments are unusable: names the field and says what was expected.
public struct ArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field inside `args`, such as `rounds`; empty for `args` as a whole.
    public var field: String
    /// What is wrong, for example `expected an integer >= 1, got string "ten"`.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? "args: \(message)" : "args.\(field): \(message)" }
}

/// A handler failed for a reason its user should read (shown as the result's `error`), optionally with a result
/// that is still recorded (for example, the outcome of every URL when one of them failed).
public struct TaskFailure: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// A result to record with the failure.
    public var result: JSONValue?
    /// Whether running the task again might succeed.
    public var retryable: Bool

    public init(_ description: String, result: JSONValue? = nil, retryable: Bool = true) {
        self.description = description
        self.result = result
        self.retryable = retryable
    }
}

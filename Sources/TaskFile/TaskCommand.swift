public import JSONValue

/// What a task runs.
public enum TaskCommand: Sendable, Hashable {
    /// Run a program directly: the argv, program first (looked up in `PATH` when it has no slash).
    case exec([String])
    /// Run a command line with `/bin/sh -c`.
    case shell(String)
    /// Run a built-in task kind inside the worker with its JSON arguments.
    case run(kind: String, args: JSONValue)
}

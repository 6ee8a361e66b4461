/// Something wrong with a task file, and where: the file, line, column, task and field.
public struct TaskFileProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The task file's path as given.
    public let path: String
    /// The 1-based line, when the problem has a place in the file.
    public let line: Int?
    /// The 1-based column in Unicode scalars, when known.
    public let column: Int?
    /// The task concerned: `task 7`, `task "abc"` or `task at position 3`; `nil` for problems outside tasks.
    public let task: String?
    /// The field concerned (`exec`, `env.HOME`, `args.rounds`, `defaults.cwd`), if any.
    public let field: String?
    /// What is wrong, what was found and, where it helps, what to do.
    public let message: String

    /// Creates a problem.
    public init(path: String, line: Int?, column: Int?, task: String?, field: String?, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.task = task
        self.field = field
        self.message = message
    }

    /// `path:line:column: task "abc", field "args.rounds": message`, leaving out the parts that are `nil`.
    public var description: String {
        var text = path
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        var context: [String] = []
        if let task { context.append(task) }
        if let field { context.append("field \"\(field)\"") }
        if !context.isEmpty { text += context.joined(separator: ", ") + ": " }
        return text + message
    }
}

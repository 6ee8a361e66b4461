import JSONValue

/// Something a task scanner found, in the order the consumer must handle it: the defaults (if any) always
/// come before the first task.
enum TaskScanEvent {
    /// The `defaults` object's value, with the position where the value starts.
    case defaults(JSONValue, JSONTextPosition)
    /// The `pools` object's value, with the position where the value starts.
    case pools(JSONValue, JSONTextPosition)
    /// One entry of the task list (any JSON value), with the position where it starts.
    case task(JSONValue, JSONTextPosition)
    /// A task entry that is not valid JSON (JSONL); it still takes a position.
    case malformedTask(TaskFileProblem)
    /// A problem with the file's structure after which scanning goes on.
    case problem(TaskFileProblem)
    /// A problem after which nothing more can be read; `next()` returns `.end` afterwards.
    case failure(TaskFileProblem)
    /// The defaults could not be looked for (the file is broken before them): problems that depend on the
    /// defaults should not be reported, since a `.failure` follows.
    case defaultsUnknown
    /// The end of the task list and of the file.
    case end
}

/// Reads a task file's top-level structure event by event. Not thread-safe.
protocol TaskScanner: AnyObject {
    /// The next event; `.end` forever after the end or a failure.
    func next() -> TaskScanEvent
}

extension TaskFileProblem {
    /// A problem at a place in the file, outside any task.
    init(path: String, at position: JSONTextPosition?, field: String? = nil, message: String) {
        self.init(
            path: path, line: position?.line, column: position?.column, task: nil, field: field, message: message)
    }

    /// A JSON syntax problem.
    init(path: String, syntax error: JSONSyntaxError) {
        self.init(
            path: path, line: error.line, column: error.column, task: nil, field: nil,
            message: "invalid JSON: \(error.message)")
    }

    /// The problem for a failed source.
    init(path: String, failure: ByteSourceFailure) {
        switch failure {
        case .read(let problem): self = problem
        case .syntax(let error): self.init(path: path, syntax: error)
        }
    }
}

/// One task read from a task file, with the file's defaults applied.
public struct TaskDefinition: Sendable {
    /// The 0-based position of the task in the file.
    public let position: Int
    /// The 1-based line where the task starts (JSON: its `{`; JSONL: its line).
    public let line: Int
    /// The task's id (its position when the file gives none).
    public let id: TaskID
    /// What to run.
    public let spec: TaskSpec
    /// The input values a command template was filled with (`jobrun run`), one per input source; empty for
    /// tasks from a task file.
    public var inputs: [String] = []
    /// When and where it may run.
    public let schedule: TaskSchedule

    /// Creates a definition.
    public init(position: Int, line: Int, id: TaskID, spec: TaskSpec, schedule: TaskSchedule = .unconstrained) {
        self.schedule = schedule
        self.position = position
        self.line = line
        self.id = id
        self.spec = spec
    }
}

/// The outcome of checking a whole task file.
public struct TaskFileCheck: Sendable {
    /// The number of task entries found (valid or not).
    public let taskCount: Int
    /// The problems found, in file order, at most the `maxProblems` asked for.
    public let problems: [TaskFileProblem]
    /// How many more problems were found beyond `problems`.
    public let omittedProblemCount: Int
    /// The pools the file declares (`"pools"`).
    public var pools: [String: PoolLimit] = [:]
    /// Every task's id with its position, when some task has `after` (to resolve dependencies while streaming).
    public var taskPositions: TaskIDIndex?
    /// The most CPU slots any one task asks for, and which task, when some task asks for more than one.
    public var largestCPUs: (cpus: Int, task: String)?

    /// Creates a check result.
    public init(taskCount: Int, problems: [TaskFileProblem], omittedProblemCount: Int) {
        self.taskCount = taskCount
        self.problems = problems
        self.omittedProblemCount = omittedProblemCount
    }

    /// Whether the file has no problems at all.
    public var isValid: Bool { problems.isEmpty && omittedProblemCount == 0 }
}

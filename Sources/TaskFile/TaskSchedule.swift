/// What decides when and where a task may run, as opposed to what it runs (`TaskSpec`): the coordinator's
/// scheduler reads these; workers never see them.
public struct TaskSchedule: Sendable, Hashable {
    /// Tasks that must end `ok` before this one starts.
    public var after: [TaskID]
    /// Higher runs first among ready tasks; equal priorities keep file order.
    public var priority: Int
    /// The named pool whose limits this task counts against.
    public var pool: String?
    /// CPU slots of its worker the task takes.
    public var cpus: Int
    /// GPUs of its host the task takes.
    public var gpus: Int
    /// Custom host resources the task takes (`licence: 1`).
    public var resources: [String: Int]
    /// Worker labels the task needs (`zone: eu`).
    public var requires: [String: String]

    /// A task that may run anywhere at any time.
    public static let unconstrained = TaskSchedule()

    public init(
        after: [TaskID] = [], priority: Int = 0, pool: String? = nil, cpus: Int = 1, gpus: Int = 0,
        resources: [String: Int] = [:], requires: [String: String] = [:]
    ) {
        self.after = after
        self.priority = priority
        self.pool = pool
        self.cpus = cpus
        self.gpus = gpus
        self.resources = resources
        self.requires = requires
    }
}

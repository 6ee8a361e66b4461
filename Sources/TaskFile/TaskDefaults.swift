/// The job's defaults for what a task leaves out (`--timeout`, `--memory`), decided here rather than by the driver
/// that sends the task, so the rule is one pure function with its own tests. (`--retries` is the scheduler's: it
/// decides when a failed attempt runs again.)
public struct TaskDefaults: Sendable, Equatable {
    /// Seconds a task may run when it sets no `timeout`.
    public var timeout: Double?
    /// Memory a task may use when it sets no `memory`.
    public var memoryLimitBytes: UInt64?

    public init(timeout: Double? = nil, memoryLimitBytes: UInt64? = nil) {
        self.timeout = timeout
        self.memoryLimitBytes = memoryLimitBytes
    }

    /// The spec a task runs with: its own fields, with the job's defaults for those it leaves out. `nil` when the
    /// defaults change nothing, so the task's own wire form is sent as it was read (no second serialisation).
    public func applied(to spec: TaskSpec) -> TaskSpec? {
        var effective = spec
        var changed = false
        if spec.timeout == nil, let timeout {
            effective.timeout = timeout
            changed = true
        }
        if spec.memoryLimitBytes == nil, let memoryLimitBytes {
            effective.memoryLimitBytes = memoryLimitBytes
            changed = true
        }
        return changed ? effective : nil
    }
}

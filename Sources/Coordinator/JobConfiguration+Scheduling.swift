import TaskFile

extension JobConfiguration {
    /// The job's defaults for tasks that leave out `timeout` or `memory`.
    var taskDefaults: TaskDefaults { TaskDefaults(timeout: defaultTimeout, memoryLimitBytes: defaultMemoryLimitBytes) }
}

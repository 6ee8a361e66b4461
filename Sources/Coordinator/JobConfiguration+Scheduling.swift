import JobRunKit
import Scheduler
import Settings
import TaskFile

extension JobConfiguration {
    /// The job's defaults for tasks that leave out `timeout` or `memory`.
    var taskDefaults: TaskDefaults { TaskDefaults(timeout: defaultTimeout, memoryLimitBytes: defaultMemoryLimitBytes) }

    /// The scheduler's configuration for this job: the settings, the pools (the task file's, with `--pool` options
    /// overriding), and whether tasks wait for others.
    func schedulerConfiguration(check: TaskFileCheck?) -> SchedulerState.Configuration {
        var schedulerConfiguration = Self.schedulerConfiguration(settings)
        schedulerConfiguration.pools = Self.poolConfigurations(file: check?.pools ?? [:], options: pools)
        schedulerConfiguration.tracksDependencies = check?.taskPositions != nil
        schedulerConfiguration.defaultRetries = defaultRetries
        schedulerConfiguration.rerunFailed = rerunFailed
        schedulerConfiguration.memfreeBytes = memfreeBytes
        // Workers from other machines may still join and be able to run what the connected ones cannot.
        schedulerConfiguration.unschedulableGraceMilliseconds = network == nil ? 0 : 10_000
        return schedulerConfiguration
    }

    static func schedulerConfiguration(_ settings: Settings) -> SchedulerState.Configuration {
        SchedulerState.Configuration(
            maxBatch: settings.maxBatch, prefetchTargetMicroseconds: settings.prefetchTargetMicroseconds,
            initialPrefetch: settings.initialPrefetch, readAhead: settings.readAhead,
            heartbeatMilliseconds: settings.heartbeatMilliseconds, heartbeatMisses: settings.heartbeatMisses,
            interruptGraceMilliseconds: settings.interruptGraceMilliseconds, killGraceMilliseconds: settings.killGraceMilliseconds,
            poisonLimit: settings.poisonLimit, retryBackoffMilliseconds: settings.retryBackoffMilliseconds,
            retryBackoffMaxMilliseconds: settings.retryBackoffMaxMilliseconds,
            workerSupervision: WorkerSupervisor.Policy(
                crashLoopLimit: settings.crashLoopLimit, backoffMilliseconds: settings.restartBackoffMilliseconds,
                backoffMaxMilliseconds: settings.restartBackoffMaxMilliseconds,
                freezeMilliseconds: settings.heartbeatMilliseconds,
                freezeExcuseMilliseconds: settings.heartbeatMilliseconds * (settings.heartbeatMisses + 1)),
            workerStartTimeoutMilliseconds: settings.workerStartTimeoutMilliseconds
        )
    }

    /// The pools of the job: the file's, with `--pool` options overriding those of the same name.
    static func poolConfigurations(file: [String: PoolLimit], options: [String: PoolLimit]) -> [PoolConfiguration] {
        file.merging(options) { _, option in option }.sorted { $0.key < $1.key }.map {
            PoolConfiguration(name: $0.key, limit: $0.value.limit, perSecond: $0.value.perSecond)
        }
    }
}

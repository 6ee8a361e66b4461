import Scheduler

/// Drives a `SchedulerState` with a manual clock and answers `loadTasks` from an in-memory list of sequences,
/// the way the coordinator answers it from the task file.
struct SchedulerHarness {
    var state: SchedulerState
    var clock = Instant(nanoseconds: 1_000_000_000)
    var unloaded: [UInt64]
    /// Retries each task is allowed.
    var retries = 0
    /// Whether the tasks are IO-bound.
    var io = false
    /// Every action returned so far, in order.
    var log: [SchedulerAction] = []

    init(tasks: Int, configuration: SchedulerState.Configuration = .init()) {
        state = SchedulerState(configuration: configuration, totalTasks: tasks)
        unloaded = (0..<UInt64(tasks)).map { $0 }
    }

    /// Applies an event, answering any load request at once, and returns the actions (load requests included).
    @discardableResult
    mutating func send(_ event: SchedulerEvent) -> [SchedulerAction] {
        var actions = state.handle(event, now: clock)
        var index = 0
        while index < actions.count {
            if case .loadTasks(let count) = actions[index] {
                let batch = Array(unloaded.prefix(count))
                unloaded.removeFirst(batch.count)
                let loaded = batch.map { LoadedTask(sequence: $0, retries: retries, isIO: io) }
                actions += state.handle(.tasksLoaded(loaded, inputEnded: unloaded.isEmpty), now: clock)
            }
            index += 1
        }
        log += actions
        return actions
    }

    mutating func advance(milliseconds: Int) {
        clock = clock.advanced(byMilliseconds: milliseconds)
    }

    /// The tasks dispatched in `actions`, per worker.
    static func dispatched(_ actions: [SchedulerAction]) -> [UInt32: [DispatchedTask]] {
        var result: [UInt32: [DispatchedTask]] = [:]
        for case .dispatch(let worker, let tasks) in actions { result[worker, default: []] += tasks }
        return result
    }

    /// Reports every dispatched task of `tasks` as finished by `worker` after `micros` microseconds.
    @discardableResult
    mutating func finish(
        _ tasks: [DispatchedTask], by worker: UInt32, micros: UInt64 = 10, succeeded: Bool = true, retryable: Bool = true
    ) -> [SchedulerAction] {
        send(.resultsArrived(workerID: worker, tasks.map {
            FinishedTask(
                sequence: $0.sequence, attempt: $0.attempt, durationMicroseconds: micros, succeeded: succeeded,
                retryable: retryable)
        }))
    }

    /// Reports the tasks as started on `worker`.
    mutating func start(_ tasks: [DispatchedTask], on worker: UInt32) {
        send(.tasksStarted(workerID: worker, tasks))
    }
}

import Scheduler

/// Drives a `SchedulerState` with a manual clock and answers `loadTasks` from an in-memory list of tasks (plain
/// sequences, or tasks with dependencies, priorities and demands), the way the coordinator answers it from the task
/// file. It keeps every action and what each worker holds.
struct SchedulerHarness {
    var state: SchedulerState
    var clock = Instant(nanoseconds: 1_000_000_000)
    var unloaded: [LoadedTask]
    /// Every action returned so far, in order.
    var log: [SchedulerAction] = []
    /// Tasks each worker holds, in the order it received them (`finish(_:ok:retryable:)` takes them back).
    var held: [UInt32: [DispatchedTask]] = [:]
    /// Tasks whose result was recorded through `finish(_:ok:retryable:)`, in order.
    var recorded: [UInt64] = []

    /// `tasks` plain tasks, sequences 0 up, each allowed `retries` retries (and IO-bound with `io`).
    init(tasks: Int, retries: Int = 0, io: Bool = false, configuration: SchedulerState.Configuration = .init()) {
        self.init(
            (0..<UInt64(tasks)).map { LoadedTask(sequence: $0, retries: retries, isIO: io) }, configuration: configuration)
    }

    init(_ tasks: [LoadedTask], configuration: SchedulerState.Configuration = .init(tracksDependencies: true)) {
        state = SchedulerState(configuration: configuration, totalTasks: tasks.count)
        unloaded = tasks
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
                actions += state.handle(.tasksLoaded(batch, inputEnded: unloaded.isEmpty), now: clock)
            }
            index += 1
        }
        for case .dispatch(let worker, let tasks) in actions { held[worker, default: []] += tasks }
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

    /// Sequences dispatched in `actions`, in order.
    static func sent(_ actions: [SchedulerAction]) -> [UInt64] {
        actions.flatMap { action -> [UInt64] in
            if case .dispatch(_, let tasks) = action { return tasks.map(\.sequence) }
            return []
        }
    }

    /// The workers that got tasks in `actions`.
    static func dispatchedTo(_ actions: [SchedulerAction]) -> [UInt32] {
        actions.compactMap { if case .dispatch(let worker, _) = $0 { worker } else { nil } }
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

    /// Reports a held task as finished by the worker holding it.
    @discardableResult
    mutating func finish(_ sequence: UInt64, ok: Bool = true, retryable: Bool = false) -> [SchedulerAction] {
        guard let (worker, task) = take(sequence) else { return [] }
        let actions = send(
            .resultsArrived(
                workerID: worker,
                [FinishedTask(sequence: sequence, attempt: task.attempt, durationMicroseconds: 100_000, succeeded: ok, retryable: retryable)]))
        if actions.contains(where: { if case .record = $0 { true } else { false } }) { recorded.append(sequence) }
        return actions
    }

    /// Reports the tasks as started on `worker`.
    mutating func start(_ tasks: [DispatchedTask], on worker: UInt32) {
        send(.tasksStarted(workerID: worker, tasks))
    }

    /// Removes a task from its worker's list.
    mutating func take(_ sequence: UInt64) -> (UInt32, DispatchedTask)? {
        for (worker, tasks) in held {
            if let index = tasks.firstIndex(where: { $0.sequence == sequence }) {
                let task = held[worker]!.remove(at: index)
                return (worker, task)
            }
        }
        return nil
    }

    /// Every task recorded, skipped, kept or found unschedulable so far, with how.
    var outcomes: [UInt64: String] {
        var result: [UInt64: String] = [:]
        for sequence in recorded { result[sequence] = "recorded" }
        for action in log {
            switch action {
            case .skip(let sequence, let dependency): result[sequence] = "skipped:\(dependency)"
            case .keepEarlier(let sequence, let ok): result[sequence] = ok ? "kept-ok" : "kept-failed"
            case .recordUnschedulable(let sequence, _): result[sequence] = "unschedulable"
            case .recordPoison(let sequence, _, _, _): result[sequence] = "poison"
            default: break
            }
        }
        return result
    }
}

import Scheduler

/// Drives a `SchedulerState` with a manual clock over a given list of tasks (with dependencies, priorities and
/// demands), answering `loadTasks` from it, and keeps what each worker holds.
struct WorkflowHarness {
    var state: SchedulerState
    var clock = Instant(nanoseconds: 1_000_000_000)
    var unloaded: [LoadedTask]
    var log: [SchedulerAction] = []
    /// Tasks each worker holds, in the order it received them.
    var held: [UInt32: [DispatchedTask]] = [:]
    /// Tasks whose result was recorded, in order.
    var recorded: [UInt64] = []

    init(_ tasks: [LoadedTask], configuration: SchedulerState.Configuration = .init(tracksDependencies: true)) {
        state = SchedulerState(configuration: configuration, totalTasks: tasks.count)
        unloaded = tasks
    }

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

    mutating func advance(milliseconds: Int) { clock = clock.advanced(byMilliseconds: milliseconds) }

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

    /// Reports a held task as finished.
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

extension SchedulerState {
    /// Takes in tasks read from the task file: a task an earlier run settled keeps that result; a task whose
    /// dependency already ended other than ok is skipped; one still waiting for dependencies is parked; the rest
    /// join the ready queue of their kind.
    mutating func load(_ loaded: [LoadedTask], now: Instant, into actions: inout [SchedulerAction]) {
        for task in loaded where tasks[task.sequence] == nil && dependencies.ending(of: task.sequence) == 0 {
            let sequence = task.sequence
            if countsLoadedTasks { totalTasks += 1 }
            if let earlier = task.earlier, earlier == .ok || !configuration.rerunFailed {
                keptCount += 1
                actions.append(.keepEarlier(sequence: sequence, ok: earlier == .ok))
                settle(sequence, ok: earlier == .ok, into: &actions)
                continue
            }
            var record = TaskRecord(retriesLeft: max(task.retries ?? configuration.defaultRetries, 0), isIO: task.isIO)
            record.priority = task.priority
            record.demand = placement.ledger.intern(task.demand)
            switch dependencies.readiness(after: task.after) {
            case .failed(let dependency):
                recordedCount += 1
                actions.append(.skip(sequence: sequence, dependency: dependency))
                settle(sequence, ok: false, into: &actions)
            case .waiting(let unmet):
                record.waitingOn = unmet
                tasks[sequence] = record
                dependencies.park(sequence, after: task.after)
            case .ready:
                tasks[sequence] = record
                enqueue(sequence)
            }
        }
    }

    /// Notes how a task ended and settles the tasks waiting for it (see `DependencyTracker.settle`): the skipped
    /// ones are recorded, the released ones join their queue.
    mutating func settle(_ sequence: UInt64, ok: Bool, into actions: inout [SchedulerAction]) {
        guard dependencies.isTracking else { return }
        let settled = dependencies.settle(sequence, ok: ok, tasks: &tasks.records)
        for (dependent, dependency) in settled.skipped {
            recordedCount += 1
            actions.append(.skip(sequence: dependent, dependency: dependency))
        }
        for dependent in settled.released { enqueue(dependent) }
    }

    /// When the input ends early (it could not be read to the end), tasks waiting for tasks never loaded would
    /// wait forever: they are skipped.
    mutating func skipDependentsOfUnloaded(into actions: inout [SchedulerAction]) {
        let orphaned = dependencies.unendedDependencies.filter { tasks[$0] == nil }
        for dependency in orphaned { settle(dependency, ok: false, into: &actions) }
    }

    /// Puts a ready task in the queue for its kind: constrained, IO-bound or CPU-bound.
    mutating func enqueue(_ sequence: UInt64) {
        guard phase.isRunning, let record = tasks[sequence] else { return }
        placement.enqueue(sequence, record)
    }
}

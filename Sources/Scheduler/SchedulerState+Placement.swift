extension SchedulerState {
    /// Moves tasks that waited for their pool back to their queue, as far as the pool has room now.
    mutating func releasePools(now: Instant) { placement.releasePools(now: now, tasks: tasks.records) }

    /// Asks to be woken when a pool's rate next allows a start that tasks wait for, or the unplaceable grace ends.
    mutating func requestWakeUp(now: Instant, into actions: inout [SchedulerAction]) {
        guard phase.isRunning, let due = placement.nextWakeUp(now: now) else { return }
        actions.append(.wakeUp(at: due))
    }

    /// When nothing runs, nothing else is ready and no more input will come, tasks that no connected worker could
    /// ever run are recorded as unschedulable (and their dependents skipped), so the job can end.
    mutating func recordUnplaceableIfStuck(now: Instant, into actions: inout [SchedulerAction]) {
        let settled = phase.isRunning && inputEnded && retries.isEmpty && workers.allIdle
        let (unplaceable, kept) = placement.takeUnplaceable(
            now: now, settled: settled, tasks: tasks.records, workers: workers.records)
        for (sequence, reason) in unplaceable {
            tasks[sequence] = nil
            recordedCount += 1
            actions.append(.recordUnschedulable(sequence: sequence, reason: reason))
            settle(sequence, ok: false, into: &actions)
        }
        for sequence in kept { enqueue(sequence) }
    }

    /// Why tasks wait, for displays. Looks at every waiting task with a demand: call it at display pace.
    public var waitingCounts: WaitingCounts {
        var counts = placement.waitingCounts(tasks: tasks.records, workers: workers.records)
        counts.dependencies = dependencies.waitingCount
        return counts
    }
}

extension SchedulerState {
    /// Moves tasks that waited for their pool back to their queue, as far as the pool has room now.
    mutating func releasePools(now: Instant) { placement.releasePools(now: now, tasks: tasks) }

    /// Asks to be woken when a pool's rate next allows a start that tasks wait for.
    mutating func requestWakeUp(now: Instant, into actions: inout [SchedulerAction]) {
        guard phase == .running else { return }
        var due = placement.ledger.nextPoolStart(now: now)
        if let stuckSince {
            let expiry = stuckSince.advanced(byMilliseconds: configuration.unschedulableGraceMilliseconds)
            if expiry > now { due = min(due ?? expiry, expiry) }
        }
        guard let due, due != lastWakeUp else { return }
        lastWakeUp = due
        actions.append(.wakeUp(at: due))
    }

    /// When nothing runs, nothing else is ready and no more input will come, tasks that no connected worker could
    /// ever run are recorded as unschedulable (and their dependents skipped), so the job can end.
    mutating func recordUnplaceableIfStuck(now: Instant, into actions: inout [SchedulerAction]) {
        guard phase == .running, inputEnded, !workers.isEmpty, placement.plainIsEmpty, retries.isEmpty,
            placement.hasConstrained,
            workers.allIdle
        else {
            stuckSince = nil
            return
        }
        let since = stuckSince ?? now
        stuckSince = since
        guard now >= since.advanced(byMilliseconds: configuration.unschedulableGraceMilliseconds) else { return }
        let waiting = placement.removeAllConstrained()
        var kept: [UInt64] = []
        for sequence in waiting.sorted() {
            guard let record = tasks[sequence] else { continue }
            guard let reason = unplaceableReason(record) else {
                kept.append(sequence)
                continue
            }
            tasks[sequence] = nil
            recordedCount += 1
            actions.append(.recordUnschedulable(sequence: sequence, reason: reason))
            settle(sequence, ok: false, into: &actions)
        }
        for sequence in kept { enqueue(sequence) }
    }

    /// Why tasks wait, for displays. Looks at every waiting task with a demand: call it at display pace.
    public var waitingCounts: WaitingCounts {
        var counts = WaitingCounts()
        counts.dependencies = dependencies.waitingCount
        counts.pools = placement.ledger.poolWaitingCount
        for sequence in placement.constrainedTasks {
            guard let record = tasks[sequence] else { continue }
            if !workers.isEmpty, unplaceableReason(record) != nil {
                counts.unplaceable += 1
            } else {
                counts.resources += 1
            }
        }
        counts.lowMemoryHosts = placement.ledger.lowMemoryHosts(connected: workers.hosts)
        return counts
    }

    /// Why no connected worker could ever run `record`'s task, even idle; `nil` when one could.
    func unplaceableReason(_ record: TaskRecord) -> String? {
        placement.ledger.unplaceableReason(placement.ledger[demand: record.demand], isIO: record.isIO, among: workers.records)
    }
}

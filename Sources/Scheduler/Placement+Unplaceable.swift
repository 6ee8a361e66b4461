extension Placement {
    /// When the scheduler should next be woken: when a pool's rate next allows a start that tasks wait for, or when
    /// the grace for unplaceable tasks runs out; `nil` when that wake-up was asked for already (or none is needed).
    mutating func nextWakeUp(now: Instant) -> Instant? {
        var due = ledger.nextPoolStart(now: now)
        if let stuckSince {
            let expiry = stuckSince.advanced(byMilliseconds: unschedulableGraceMilliseconds)
            if expiry > now { due = min(due ?? expiry, expiry) }
        }
        guard let due, due != lastWakeUp else { return nil }
        lastWakeUp = due
        return due
    }

    /// When only tasks with a demand are left and nothing runs (`settled`: the job runs, its input ended, no worker
    /// holds a task and no retry waits), for longer than the grace, empties the constrained queue and the pools'
    /// waits: returns the tasks that no connected worker could ever run, with why, and the others, which the caller
    /// puts back.
    mutating func takeUnplaceable(
        now: Instant, settled: Bool, tasks: SequenceTable<TaskRecord>, workers: [UInt32: WorkerRecord]
    ) -> (unplaceable: [(sequence: UInt64, reason: String)], kept: [UInt64]) {
        guard settled, !workers.isEmpty, plainIsEmpty, hasConstrained else {
            stuckSince = nil
            return ([], [])
        }
        let since = stuckSince ?? now
        stuckSince = since
        guard now >= since.advanced(byMilliseconds: unschedulableGraceMilliseconds) else { return ([], []) }
        var unplaceable: [(sequence: UInt64, reason: String)] = []
        var kept: [UInt64] = []
        for sequence in removeAllConstrained().sorted() {
            guard let record = tasks[sequence] else { continue }
            if let reason = unplaceableReason(record, among: workers) {
                unplaceable.append((sequence, reason))
            } else {
                kept.append(sequence)
            }
        }
        return (unplaceable, kept)
    }

    /// Why tasks with a demand wait (all but `dependencies`), for displays. Looks at every one: call it at display pace.
    func waitingCounts(tasks: SequenceTable<TaskRecord>, workers: [UInt32: WorkerRecord]) -> WaitingCounts {
        var counts = WaitingCounts()
        counts.pools = ledger.poolWaitingCount
        for sequence in constrained.all {
            guard let record = tasks[sequence] else { continue }
            if !workers.isEmpty, unplaceableReason(record, among: workers) != nil {
                counts.unplaceable += 1
            } else {
                counts.resources += 1
            }
        }
        counts.lowMemoryHosts = ledger.lowMemoryHosts(connected: Set(workers.values.map(\.capacity.host)))
        return counts
    }

    /// Why none of `workers` could ever run `record`'s task, even idle; `nil` when one could.
    func unplaceableReason(_ record: TaskRecord, among workers: [UInt32: WorkerRecord]) -> String? {
        ledger.unplaceableReason(ledger[demand: record.demand], isIO: record.isIO, among: workers)
    }
}

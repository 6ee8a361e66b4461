extension SchedulerState {
    /// Places ready tasks with a demand, one at a time and highest priority first, each on the least loaded worker
    /// that has room for all of it; at most `minimumPriority` and up are considered. A task whose pool is full waits
    /// in the pool; one no worker has room for now stays ready. Returns the worker to keep free of prefetched plain
    /// tasks so that the first waiting wide task is not starved by them.
    mutating func placeConstrained(
        now: Instant, minimumPriority: Int, into batches: inout [UInt32: [DispatchedTask]]
    ) -> UInt32? {
        guard !constrained.isEmpty, !workers.isEmpty else { return nil }
        let order = workers.keys.sorted()
        var deferred: [(sequence: UInt64, priority: Int)] = []
        var reserved: UInt32?
        // Tasks that fit nowhere are put back; after this many in a row the rest are not looked at this turn.
        var misses = 0
        while misses < 256, let sequence = constrained.popFirst(minimum: minimumPriority) {
            guard let record = tasks[sequence], record.holder == nil else { continue }
            let demand = ledger[demand: record.demand]
            if let pool = demand.pool, !ledger.pools[pool].allows(now: now) {
                ledger.pools[pool].waiting.append(sequence, priority: record.priority)
                continue
            }
            var best: (id: UInt32, load: Int)?
            for workerID in order {
                guard let worker = workers[workerID], ledger.fits(demand, isIO: record.isIO, on: worker) else { continue }
                let load = worker.cpuUnits * 1024 / worker.slots
                if best.map({ load < $0.load }) ?? true { best = (workerID, load) }
            }
            guard let best else {
                if reserved == nil, !record.isIO, demand.cpus > 1 {
                    reserved = order.filter { workers[$0].map { ledger.shortfall(demand, isIO: false, on: $0) == nil } ?? false }
                        .min { (workers[$0]!.cpuUnits, $0) < (workers[$1]!.cpuUnits, $1) }
                }
                deferred.append((sequence, record.priority))
                misses += 1
                continue
            }
            misses = 0
            batches[best.id, default: []].append(assign(sequence, to: best.id, now: now))
        }
        for task in deferred.reversed() { constrained.requeue([task.sequence], priority: task.priority) }
        return reserved
    }

    /// Gives a task to a worker as its next attempt, taking what its demand needs of the worker, its host and its
    /// pool.
    mutating func assign(_ sequence: UInt64, to workerID: UInt32, now: Instant) -> DispatchedTask {
        guard var record = tasks[sequence], var worker = workers[workerID] else {
            return DispatchedTask(sequence: sequence, attempt: 0)
        }
        dispatchCounter += 1
        record.attempts += 1
        record.dispatchOrder = dispatchCounter
        record.holder = workerID
        tasks[sequence] = record
        worker.charge(isIO: record.isIO, cpus: ledger[demand: record.demand].cpus)
        workers[workerID] = worker
        let granted = ledger.take(for: sequence, demandIndex: record.demand, host: worker.capacity.host, now: now)
        return DispatchedTask(sequence: sequence, attempt: record.attempts, gpus: granted)
    }

    /// Moves tasks that waited for their pool back to the ready queue, ahead of the others of their priority, as far
    /// as the pool has room now.
    mutating func releasePools(now: Instant) {
        for released in ledger.releasePools(now: now) {
            for sequence in released.reversed() {
                constrained.requeue([sequence], priority: tasks[sequence]?.priority ?? 0)
            }
        }
    }

    /// Asks to be woken when a pool's rate next allows a start that tasks wait for.
    mutating func requestWakeUp(now: Instant, into actions: inout [SchedulerAction]) {
        guard phase == .running else { return }
        var due = ledger.nextPoolStart(now: now)
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
        guard phase == .running, inputEnded, !workers.isEmpty, queue.isEmpty, ioQueue.isEmpty, retries.isEmpty,
            !constrained.isEmpty || ledger.anyPoolWaiting,
            workers.values.allSatisfy({ $0.held == 0 })
        else {
            stuckSince = nil
            return
        }
        let since = stuckSince ?? now
        stuckSince = since
        guard now >= since.advanced(byMilliseconds: configuration.unschedulableGraceMilliseconds) else { return }
        var waiting = constrained.removeAll()
        waiting += ledger.removeAllWaiting()
        var kept: [UInt64] = []
        for sequence in waiting.sorted() {
            guard let record = tasks[sequence] else { continue }
            guard let reason = ledger.unplaceableReason(ledger[demand: record.demand], isIO: record.isIO, among: workers)
            else {
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
        counts.pools = ledger.poolWaitingCount
        for sequence in constrained.all {
            guard let record = tasks[sequence] else { continue }
            if !workers.isEmpty, ledger.unplaceableReason(ledger[demand: record.demand], isIO: record.isIO, among: workers) != nil {
                counts.unplaceable += 1
            } else {
                counts.resources += 1
            }
        }
        counts.lowMemoryHosts = ledger.lowMemoryHosts(connected: Set(workers.values.map(\.capacity.host)))
        return counts
    }
}

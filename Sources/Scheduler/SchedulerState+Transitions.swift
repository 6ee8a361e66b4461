extension SchedulerState {
    mutating func acceptResults(
        _ finished: [FinishedTask], from workerID: UInt32, now: Instant, into actions: inout [SchedulerAction]
    ) {
        var recorded: [Int] = []
        recorded.reserveCapacity(finished.count)
        var ended: [(UInt64, Bool)] = []
        var stale = 0
        for (index, task) in finished.enumerated() {
            guard var record = tasks.countedRecord(for: task, from: workerID) else {
                stale += 1
                continue
            }
            if let holderID = record.holder {
                release(task.sequence, from: holderID)
                record.holder = nil
            } else {
                // Nobody holds it: it waits in a queue or for a retry, and must not be sent again.
                withdraw(task.sequence)
            }
            prefetch.noteDuration(task.durationMicroseconds, isIO: record.isIO)
            if !task.succeeded, task.retryable, record.retriesLeft > 0, phase.isRunning {
                let retry = tasks.useRetry(task.sequence, record)
                let delay = retries.schedule(task.sequence, retry: retry, now: now)
                actions.append(.retry(workerID: workerID, index: index, retry: retry, delayMilliseconds: delay))
                continue
            }
            tasks[task.sequence] = nil
            recordedCount += 1
            recorded.append(index)
            if configuration.tracksDependencies { ended.append((task.sequence, task.succeeded)) }
        }
        if !recorded.isEmpty { actions.append(.record(workerID: workerID, indices: recorded)) }
        if stale > 0 { actions.append(.dropStaleResults(workerID: workerID, count: stale)) }
        // After the record, so the driver knows how a dependency ended when it records the tasks skipped for it.
        for (sequence, succeeded) in ended { settle(sequence, ok: succeeded, into: &actions) }
    }

    /// Moves failed tasks whose retry delay is over back into the queue.
    mutating func releaseDelayed(now: Instant) {
        for sequence in retries.takeDue(now: now) { requeue([sequence]) }
    }

    /// Forgets a worker. Tasks that had started on it count a death (a worker killed from outside is not their
    /// fault, so one death is not enough to condemn a task: only `poisonLimit` deaths are); tasks that reach the
    /// limit are recorded as failed, the others go back to the queue.
    package mutating func loseWorker(
        _ workerID: UInt32, reason: LossReason, cause: String? = nil, now: Instant, into actions: inout [SchedulerAction]
    ) {
        guard let record = workers.remove(workerID) else { return }
        defer {
            if record.replaceable {
                let why = cause ?? (reason == .silent ? "stopped answering" : "exited")
                replace(productive: record.finishedAny || reason == .stopped, cause: why, now: now, into: &actions)
            }
        }
        var requeued: [UInt64] = []
        for (sequence, heldTask, running) in tasks.held(by: workerID, slots: record.slots) {
            var task = heldTask
            task.holder = nil
            placement.ledger.give(for: sequence, demandIndex: task.demand, host: record.capacity.host)
            if running, reason != .stopped {
                task.deaths += 1
                if task.deaths >= configuration.poisonLimit {
                    tasks[sequence] = nil
                    recordedCount += 1
                    actions.append(.recordPoison(sequence: sequence, attempts: task.attempts, deaths: task.deaths, workerID: workerID))
                    settle(sequence, ok: false, into: &actions)
                    continue
                }
            }
            task.started = false
            tasks[sequence] = task
            requeued.append(sequence)
        }
        if phase.isRunning { requeue(requeued.reversed()) }
        actions.append(.workerLost(workerID: workerID, requeued: phase.isRunning ? requeued.count : 0, reason: reason))
    }

    /// Sends heartbeats when due, and presumes workers lost that missed too many.
    mutating func checkHeartbeats(now: Instant, into actions: inout [SchedulerAction]) {
        let (send, silent) = workers.checkHeartbeats(now: now)
        if send { actions.append(.sendHeartbeats) }
        for workerID in silent { loseWorker(workerID, reason: .silent, now: now, into: &actions) }
    }

    /// An interrupt: the first drains the job, the next cancels running tasks (see `JobPhase`).
    mutating func interrupt(now: Instant, into actions: inout [SchedulerAction]) {
        carryOut(phase.interrupt(now: now), into: &actions)
    }

    /// Moves an interrupted job on when its graces are over: cancels running tasks, then ends without their reports.
    mutating func checkInterruptGrace(now: Instant, into actions: inout [SchedulerAction]) {
        carryOut(phase.checkGrace(now: now), into: &actions)
    }

    private mutating func carryOut(_ step: JobPhase.Step?, into actions: inout [SchedulerAction]) {
        switch step {
        case .drain:
            placement.removeAll()
            retries.removeAll()
            actions += workers.drainAll()
        case .cancel:
            actions += workers.cancelAll()
        case .finishInterrupted:
            actions.append(.finish(.interrupted(unfinished: totalTasks - recordedCount)))
        case nil:
            break
        }
    }

    /// Sends every worker what its credit allows (see `Placement.dispatch`).
    mutating func dispatch(now: Instant, into actions: inout [SchedulerAction]) {
        guard phase.isRunning else { return }
        let batches = placement.dispatch(now: now, tasks: &tasks.records, workers: &workers.records, prefetch: prefetch)
        for workerID in batches.keys.sorted() {
            actions.append(.dispatch(workerID: workerID, batches[workerID]!))
        }
    }

    /// Forgets that a worker holds a task, giving back what it took of the worker, its host and its pool; the
    /// caller clears the task's `holder`.
    mutating func release(_ sequence: UInt64, from workerID: UInt32) {
        guard let record = tasks[sequence] else { return }
        placement.release(sequence, record, from: workerID, workers: &workers.records)
    }

    /// Takes a task that no worker holds out of its queue or the retry delay.
    mutating func withdraw(_ sequence: UInt64) {
        if placement.withdraw(sequence) { return }
        retries.remove(sequence)
    }

    /// Puts tasks back at the front of their queue.
    mutating func requeue(_ sequences: some Sequence<UInt64>) {
        for sequence in sequences {
            guard let record = tasks[sequence] else { continue }
            placement.requeue(sequence, record)
        }
    }

    /// When the queue is empty and a worker has a free slot, asks the worker holding the most unstarted tasks to
    /// give half of them back, so no core idles while another worker's queue waits.
    mutating func rebalance(into actions: inout [SchedulerAction]) {
        guard phase.isRunning, let (workerID, count) = placement.rebalance(workers: workers.records) else { return }
        workers[workerID]?.reclaimPending = true
        actions.append(.reclaim(workerID: workerID, count: count))
    }

    mutating func requestTasksIfNeeded(into actions: inout [SchedulerAction]) {
        guard phase.isRunning, !inputEnded, !loadPending else { return }
        let window = configuration.readAhead
        let waiting = placement.waitingCount
        // Tasks with a demand may all wait for a worker that can run them, or for tasks not read yet: when nothing
        // runs, read on regardless, so the job can reach its end.
        let idle = placement.plainIsEmpty && workers.allIdle
        guard waiting * 2 <= window || idle else { return }
        loadPending = true
        actions.append(.loadTasks(count: max(window - waiting, window / 2, 1)))
    }

    mutating func finishIfDone(into actions: inout [SchedulerAction]) {
        switch phase.stage {
        case .running where inputEnded && tasks.isEmpty:
            phase.finish()
            actions.append(.finish(.completed))
        case .running where workers.isEmpty && supply.cannotProvide:
            phase.finish()
            actions.append(.finish(.noWorkers(unfinished: totalTasks - recordedCount)))
        case .draining, .cancelling:
            if workers.allIdle {
                phase.finish()
                actions.append(.finish(.interrupted(unfinished: totalTasks - recordedCount)))
            }
        default:
            break
        }
    }
}

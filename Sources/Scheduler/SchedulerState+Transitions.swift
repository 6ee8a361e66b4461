extension SchedulerState {
    mutating func acceptResults(_ finished: [FinishedTask], from workerID: UInt32, into actions: inout [SchedulerAction]) {
        var recorded: [Int] = []
        recorded.reserveCapacity(finished.count)
        for (index, task) in finished.enumerated() {
            // Only a loaded, unrecorded task's first result counts: a late result from a worker presumed lost still
            // completes the task (the work is done), and every later copy is dropped.
            guard attempts.removeValue(forKey: task.sequence) != nil else { continue }
            if let holderID = holder.removeValue(forKey: task.sequence) {
                workers[holderID]?.held.remove(task.sequence)
            }
            recordedCount += 1
            recorded.append(index)
            let duration = Double(task.durationMicroseconds)
            if let mean = meanDurationMicroseconds {
                // Rise fast, fall slowly: one long task among short ones must shrink the prefetch at once, so
                // workers do not hoard the long tasks that follow.
                meanDurationMicroseconds = mean + (duration - mean) * (duration > mean ? 0.5 : 0.02)
            } else {
                meanDurationMicroseconds = duration
            }
        }
        if !recorded.isEmpty { actions.append(.record(workerID: workerID, indices: recorded)) }
        if recorded.count < finished.count {
            actions.append(.dropStaleResults(workerID: workerID, count: finished.count - recorded.count))
        }
    }

    mutating func loseWorker(_ workerID: UInt32, reason: LossReason, into actions: inout [SchedulerAction]) {
        guard let record = workers.removeValue(forKey: workerID) else { return }
        let orphans = record.held.sorted()
        for sequence in orphans { holder[sequence] = nil }
        if phase == .running { queue.requeue(orphans.reversed()) }
        actions.append(.workerLost(workerID: workerID, requeued: phase == .running ? orphans.count : 0, reason: reason))
    }

    mutating func checkHeartbeats(now: Instant, into actions: inout [SchedulerAction]) {
        let period = configuration.heartbeatMilliseconds
        if lastHeartbeatSent.map({ now >= $0.advanced(byMilliseconds: period) }) ?? true {
            lastHeartbeatSent = now
            if !workers.isEmpty { actions.append(.sendHeartbeats) }
        }
        let silenceLimit = period * configuration.heartbeatMisses
        for workerID in workers.keys.sorted() {
            guard let record = workers[workerID], now > record.lastHeard.advanced(byMilliseconds: silenceLimit) else {
                continue
            }
            loseWorker(workerID, reason: .silent, into: &actions)
        }
    }

    mutating func interrupt(now: Instant, into actions: inout [SchedulerAction]) {
        switch phase {
        case .running:
            phase = .draining(since: now)
            _ = queue.removeAll()
            for workerID in workers.keys.sorted() {
                workers[workerID]?.drainSent = true
                actions.append(.drain(workerID: workerID, cancelRunning: false))
            }
        case .draining:
            cancelRunning(now: now, into: &actions)
        case .cancelling, .finished:
            break
        }
    }

    mutating func cancelRunning(now: Instant, into actions: inout [SchedulerAction]) {
        phase = .cancelling(since: now)
        for workerID in workers.keys.sorted() where workers[workerID]?.cancelSent == false {
            workers[workerID]?.cancelSent = true
            actions.append(.drain(workerID: workerID, cancelRunning: true))
        }
    }

    mutating func checkInterruptGrace(now: Instant, into actions: inout [SchedulerAction]) {
        switch phase {
        case .draining(let since) where now >= since.advanced(byMilliseconds: configuration.interruptGraceMilliseconds):
            cancelRunning(now: now, into: &actions)
        case .cancelling(let since)
        where now >= since.advanced(byMilliseconds: configuration.killGraceMilliseconds + configuration.heartbeatMilliseconds):
            // Workers had their chance to report cancelled tasks; end without them.
            phase = .finished
            actions.append(.finish(.interrupted(unfinished: totalTasks - recordedCount)))
        default:
            break
        }
    }

    mutating func dispatch(into actions: inout [SchedulerAction]) {
        guard phase == .running, !queue.isEmpty else { return }
        // Least loaded first, so an idle worker is served before a busy one tops up its prefetch.
        let order = workers.map { (id: $0.key, load: $0.value.held.count * 1024 / $0.value.slots) }
            .sorted { ($0.load, $0.id) < ($1.load, $1.id) }
        for (workerID, _) in order {
            guard let record = workers[workerID] else { continue }
            let limit = holdLimit(slots: record.slots)
            let held = record.held.count
            guard held * 2 <= limit, held < limit else { continue }
            let count = min(limit - held, configuration.maxBatch, queue.count)
            var batch: [DispatchedTask] = []
            batch.reserveCapacity(count)
            var newlyHeld: [UInt64] = []
            newlyHeld.reserveCapacity(count)
            for _ in 0..<count {
                guard let sequence = queue.popFirst() else { break }
                let attempt = (attempts[sequence] ?? 0) + 1
                attempts[sequence] = attempt
                holder[sequence] = workerID
                newlyHeld.append(sequence)
                batch.append(DispatchedTask(sequence: sequence, attempt: attempt))
            }
            workers[workerID]?.held.formUnion(newlyHeld)
            if !batch.isEmpty { actions.append(.dispatch(workerID: workerID, batch)) }
            if queue.isEmpty { break }
        }
    }

    /// When the queue is empty and a worker has a free slot, asks the worker holding the most unstarted tasks to
    /// give half of them back, so no core idles while another worker's queue waits.
    mutating func rebalance(into actions: inout [SchedulerAction]) {
        guard phase == .running, queue.isEmpty else { return }
        let idle = workers.values.contains { $0.held.count < $0.slots }
        guard idle else { return }
        let donor = workers
            .filter { !$0.value.reclaimPending && $0.value.held.count > $0.value.slots }
            .max { ($0.value.held.count - $0.value.slots, $1.key) < ($1.value.held.count - $1.value.slots, $0.key) }
        guard let (workerID, record) = donor else { return }
        workers[workerID]?.reclaimPending = true
        actions.append(.reclaim(workerID: workerID, count: (record.held.count - record.slots + 1) / 2))
    }

    mutating func requestTasksIfNeeded(into actions: inout [SchedulerAction]) {
        guard phase == .running, !inputEnded, !loadPending else { return }
        let window = configuration.readAhead
        guard queue.count * 2 <= window else { return }
        loadPending = true
        actions.append(.loadTasks(count: window - queue.count))
    }

    mutating func finishIfDone(into actions: inout [SchedulerAction]) {
        switch phase {
        case .running where inputEnded && attempts.isEmpty:
            phase = .finished
            actions.append(.finish(.completed))
        case .draining, .cancelling:
            if holder.isEmpty {
                phase = .finished
                actions.append(.finish(.interrupted(unfinished: totalTasks - recordedCount)))
            }
        default:
            break
        }
    }
}

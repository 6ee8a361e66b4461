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
            let demand = demands[Int(record.demand)]
            if let pool = demand.pool, !pools[pool].allows(now: now) {
                pools[pool].waiting.append(sequence, priority: record.priority)
                continue
            }
            var best: (id: UInt32, load: Int)?
            for workerID in order {
                guard let worker = workers[workerID], fits(demand, isIO: record.isIO, on: worker) else { continue }
                let load = worker.cpuUnits * 1024 / worker.slots
                if best.map({ load < $0.load }) ?? true { best = (workerID, load) }
            }
            guard let best else {
                if reserved == nil, !record.isIO, demand.cpus > 1 {
                    reserved = order.filter { couldRun(demand, isIO: false, on: $0) }
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

    /// Whether `worker` has room now for a task with `demand`.
    func fits(_ demand: TaskDemand, isIO: Bool, on worker: WorkerRecord) -> Bool {
        guard !worker.retiring else { return false }
        if isIO {
            guard worker.heldIO < worker.ioConcurrency else { return false }
        } else {
            guard worker.cpuUnits + demand.cpus <= worker.slots else { return false }
        }
        for (label, value) in demand.requires where worker.capacity.labels[label] != value { return false }
        guard let host = hosts[worker.capacity.host], lowMemoryHosts[worker.capacity.host] == nil else { return false }
        return host.fits(demand)
    }

    /// Why no connected worker could ever run a task with `demand`, even idle; `nil` when one could.
    func unplaceableReason(_ demand: TaskDemand, isIO: Bool) -> String? {
        var reasons: [String] = []
        for workerID in workers.keys.sorted() {
            guard let worker = workers[workerID] else { continue }
            if let reason = shortfall(demand, isIO: isIO, on: worker) { reasons.append(reason) } else { return nil }
        }
        let distinct = reasons.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return "no connected worker can run it: it needs " + distinct.prefix(3).joined(separator: "; or ")
    }

    func couldRun(_ demand: TaskDemand, isIO: Bool, on workerID: UInt32) -> Bool {
        workers[workerID].map { shortfall(demand, isIO: isIO, on: $0) == nil } ?? false
    }

    /// What `worker` lacks for `demand` even when idle.
    func shortfall(_ demand: TaskDemand, isIO: Bool, on worker: WorkerRecord) -> String? {
        if !isIO, demand.cpus > worker.slots { return "\(demand.cpus) CPU slots (workers have at most \(worker.slots))" }
        for (label, value) in demand.requires.sorted(by: { $0.key < $1.key }) where worker.capacity.labels[label] != value {
            return "label \(label)=\(value)"
        }
        return hosts[worker.capacity.host]?.shortfall(demand)
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
        let demand = demands[Int(record.demand)]
        worker.held += 1
        if record.isIO {
            worker.heldIO += 1
        } else {
            worker.cpuUnits += demand.cpus
            if demand.cpus > 1 { worker.wideHeld += 1 }
        }
        workers[workerID] = worker
        var granted: [Int] = []
        if record.demand != 0 {
            granted = hosts[worker.capacity.host]?.take(demand) ?? []
            if !granted.isEmpty { gpuGrants[sequence] = granted }
            if let pool = demand.pool { pools[pool].noteStart(now: now) }
        }
        return DispatchedTask(sequence: sequence, attempt: record.attempts, gpus: granted)
    }

    /// Gives back what a task held of its host and pool when it leaves its worker (`host`) for any reason.
    mutating func releaseShared(_ sequence: UInt64, demandIndex: Int32, host: String) {
        guard demandIndex != 0 else { return }
        let demand = demands[Int(demandIndex)]
        hosts[host]?.give(demand, gpus: gpuGrants.removeValue(forKey: sequence) ?? [])
        if let pool = demand.pool { pools[pool].running -= 1 }
    }

    /// Moves tasks that waited for their pool back to the ready queue, ahead of the others of their priority, as far
    /// as the pool has room now.
    mutating func releasePools(now: Instant) {
        for index in pools.indices where !pools[index].waiting.isEmpty && pools[index].allows(now: now) {
            let room = pools[index].configuration.limit - pools[index].running
            var released: [(UInt64, Int)] = []
            while released.count < room, let sequence = pools[index].waiting.popFirst() {
                released.append((sequence, tasks[sequence]?.priority ?? 0))
            }
            for (sequence, priority) in released.reversed() { constrained.requeue([sequence], priority: priority) }
        }
    }

    /// Asks to be woken when a pool's rate next allows a start that tasks wait for.
    mutating func requestWakeUp(now: Instant, into actions: inout [SchedulerAction]) {
        guard phase == .running else { return }
        var due = pools.filter { !$0.waiting.isEmpty && $0.running < $0.configuration.limit }
            .compactMap { $0.nextRateSlot(now: now) }.min()
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
            !constrained.isEmpty || pools.contains(where: { !$0.waiting.isEmpty }),
            workers.values.allSatisfy({ $0.held == 0 })
        else {
            stuckSince = nil
            return
        }
        let since = stuckSince ?? now
        stuckSince = since
        guard now >= since.advanced(byMilliseconds: configuration.unschedulableGraceMilliseconds) else { return }
        var waiting = constrained.removeAll()
        for index in pools.indices { waiting += pools[index].waiting.removeAll() }
        var kept: [UInt64] = []
        for sequence in waiting.sorted() {
            guard let record = tasks[sequence] else { continue }
            guard let reason = unplaceableReason(demands[Int(record.demand)], isIO: record.isIO) else {
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
        counts.pools = pools.reduce(0) { $0 + $1.waiting.count }
        for sequence in constrained.all {
            guard let record = tasks[sequence] else { continue }
            if !workers.isEmpty, unplaceableReason(demands[Int(record.demand)], isIO: record.isIO) != nil {
                counts.unplaceable += 1
            } else {
                counts.resources += 1
            }
        }
        // A host whose workers have all gone keeps its last figure, but holds nothing up.
        let connected = Set(workers.values.map(\.capacity.host))
        counts.lowMemoryHosts = lowMemoryHosts.filter { connected.contains($0.key) }.sorted { $0.key < $1.key }
            .map { LowMemoryHost(host: $0.key, freeBytes: $0.value) }
        return counts
    }
}

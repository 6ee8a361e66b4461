/// Which ready task goes to which worker: the ready queues, and the dispatch that empties them into workers.
///
/// It exists so that the choice of where tasks run (plain CPU-bound tasks up to each worker's slots plus prefetch,
/// IO-bound ones up to its IO concurrency, tasks with a demand one at a time where they fit, pools, the worker kept
/// free for a wide task, rebalancing) is one piece, apart from the task lifecycle around it. It keeps no task or
/// worker table of its own: SchedulerState passes its tables in, and every change to them goes through here. Tasks
/// that no connected worker could ever run are found here too (`Placement+Unplaceable.swift`).
struct Placement: Sendable {
    /// CPU-bound tasks with the plain demand waiting for a worker.
    private(set) var queue = ReadyQueue()
    /// IO-bound tasks with the plain demand waiting for a worker: a separate line, so waits never queue behind
    /// computations.
    private(set) var ioQueue = ReadyQueue()
    /// Ready tasks with any other demand: placed one at a time on a worker that fits.
    private(set) var constrained = ReadyQueue()
    /// What tasks with a demand hold, and where they fit.
    var ledger: ResourceLedger
    /// The most tasks sent to one worker at once.
    let maxBatch: Int
    /// Counts dispatches, to know which tasks a worker received first.
    private var dispatchCounter: UInt64 = 0
    /// How long tasks no connected worker can run wait, once nothing else is left, before they are given up.
    let unschedulableGraceMilliseconds: Int
    /// Since when only tasks no worker can run are left, while that lasts.
    var stuckSince: Instant?
    /// The last wake-up asked for, so it is not repeated.
    var lastWakeUp: Instant?

    init(ledger: ResourceLedger, maxBatch: Int, unschedulableGraceMilliseconds: Int) {
        self.ledger = ledger
        self.maxBatch = maxBatch
        self.unschedulableGraceMilliseconds = unschedulableGraceMilliseconds
    }

    /// Ready tasks waiting for a worker or for room in their pool.
    var waitingCount: Int { queue.count + ioQueue.count + constrained.count + ledger.poolWaitingCount }
    /// Whether no task with the plain demand is ready.
    var plainIsEmpty: Bool { queue.isEmpty && ioQueue.isEmpty }
    /// Whether CPU-bound tasks with the plain demand are ready.
    var cpuQueueIsEmpty: Bool { queue.isEmpty }
    /// Whether tasks with a demand are ready or wait for their pool.
    var hasConstrained: Bool { !constrained.isEmpty || ledger.anyPoolWaiting }
    /// Ready tasks with a demand, in the order they would be placed.
    var constrainedTasks: [UInt64] { constrained.all }

    /// Puts a ready task at the back of the queue for its kind: constrained, IO-bound or CPU-bound.
    mutating func enqueue(_ sequence: UInt64, _ record: TaskRecord) {
        if record.demand != 0 {
            constrained.append(sequence, priority: record.priority)
        } else if record.isIO {
            ioQueue.append(sequence, priority: record.priority)
        } else {
            queue.append(sequence, priority: record.priority)
        }
    }

    /// Puts a task back at the front of its queue, ahead of the others of its priority.
    mutating func requeue(_ sequence: UInt64, _ record: TaskRecord) {
        if record.demand != 0 {
            constrained.requeue([sequence], priority: record.priority)
        } else if record.isIO {
            ioQueue.requeue([sequence], priority: record.priority)
        } else {
            queue.requeue([sequence], priority: record.priority)
        }
    }

    /// Takes a ready task out of its queue or its pool's wait; returns whether it was there.
    mutating func withdraw(_ sequence: UInt64) -> Bool {
        queue.remove(sequence) || ioQueue.remove(sequence) || constrained.remove(sequence)
            || ledger.withdrawFromPools(sequence)
    }

    /// Empties every queue and pool wait (the job is interrupted).
    mutating func removeAll() {
        _ = queue.removeAll()
        _ = ioQueue.removeAll()
        _ = constrained.removeAll()
        _ = ledger.removeAllWaiting()
    }

    /// Empties the constrained queue and the pools' waits, returning the tasks that were there.
    mutating func removeAllConstrained() -> [UInt64] {
        constrained.removeAll() + ledger.removeAllWaiting()
    }

    /// Sends every worker what its credit allows. Tasks with a demand (pool, CPUs, GPUs, resources, labels, memory)
    /// are placed first, one by one, where they fit, as far as their priority is at least that of the best plain
    /// task; then plain CPU-bound tasks go up to each worker's slots plus prefetch (no prefetch on a worker running a
    /// wide task) and IO-bound ones up to its IO concurrency plus an IO prefetch, least loaded workers first; then the remaining tasks
    /// with a demand get what is left. Returns the tasks for each worker.
    mutating func dispatch(
        now: Instant, tasks: inout SequenceTable<TaskRecord>, workers: inout [UInt32: WorkerRecord],
        prefetch: PrefetchSizer
    ) -> [UInt32: [DispatchedTask]] {
        var batches: [UInt32: [DispatchedTask]] = [:]
        var reserved: UInt32?
        if hasConstrained {
            releasePools(now: now, tasks: tasks)
            let plainTop = max(queue.topPriority ?? .min, ioQueue.topPriority ?? .min)
            reserved = placeConstrained(now: now, minimumPriority: plainTop, tasks: &tasks, workers: &workers, into: &batches)
        }
        if !queue.isEmpty || !ioQueue.isEmpty {
            let order = workers.map { (id: $0.key, load: $0.value.cpuUnits * 1024 / $0.value.slots) }
                .sorted { ($0.load, $0.id) < ($1.load, $1.id) }
            for (workerID, _) in order {
                guard let record = workers[workerID], !record.retiring, ledger.admitsTasks(on: record.capacity.host) else { continue }
                var batch: [DispatchedTask] = []
                let cpuHeld = record.cpuUnits
                // A wide task runs alongside only what fits in the slots it leaves.
                let limit = record.wideHeld > 0 ? record.slots : prefetch.holdLimit(slots: record.slots)
                if workerID != reserved, cpuHeld * 2 <= limit, cpuHeld < limit {
                    let count = min(limit - cpuHeld, maxBatch, queue.count)
                    take(count, from: \.queue, for: workerID, tasks: &tasks, workers: &workers, into: &batch)
                }
                let ioRoom = prefetch.ioHoldLimit(ioConcurrency: record.ioConcurrency) - record.heldIO
                if ioRoom > 0, !ioQueue.isEmpty {
                    let count = min(ioRoom, maxBatch - batch.count, ioQueue.count)
                    take(count, from: \.ioQueue, for: workerID, tasks: &tasks, workers: &workers, into: &batch)
                }
                if !batch.isEmpty { batches[workerID, default: []] += batch }
                if queue.isEmpty, ioQueue.isEmpty { break }
            }
        }
        if !constrained.isEmpty {
            _ = placeConstrained(now: now, minimumPriority: .min, tasks: &tasks, workers: &workers, into: &batches)
        }
        return batches
    }

    /// Moves up to `count` tasks from a queue to a worker, as the next attempt of each.
    private mutating func take(
        _ count: Int, from line: WritableKeyPath<Placement, ReadyQueue>, for workerID: UInt32,
        tasks: inout SequenceTable<TaskRecord>, workers: inout [UInt32: WorkerRecord], into batch: inout [DispatchedTask]
    ) {
        guard count > 0 else { return }
        var taken = 0
        while taken < count, let sequence = self[keyPath: line].popFirst() {
            guard var record = tasks[sequence] else { continue }
            taken += 1
            dispatchCounter += 1
            record.attempts += 1
            record.dispatchOrder = dispatchCounter
            record.holder = workerID
            tasks[sequence] = record
            batch.append(DispatchedTask(sequence: sequence, attempt: record.attempts))
        }
        workers[workerID]?.held += taken
        if line == \Placement.ioQueue { workers[workerID]?.heldIO += taken } else { workers[workerID]?.cpuUnits += taken }
    }

    /// Places ready tasks with a demand, one at a time and highest priority first, each on the least loaded worker
    /// that has room for all of it; at most `minimumPriority` and up are considered. A task whose pool is full waits
    /// in the pool; one no worker has room for now stays ready. Returns the worker to keep free of prefetched plain
    /// tasks so that the first waiting wide task is not starved by them.
    private mutating func placeConstrained(
        now: Instant, minimumPriority: Int, tasks: inout SequenceTable<TaskRecord>, workers: inout [UInt32: WorkerRecord],
        into batches: inout [UInt32: [DispatchedTask]]
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
            batches[best.id, default: []].append(assign(sequence, to: best.id, now: now, tasks: &tasks, workers: &workers))
        }
        for task in deferred.reversed() { constrained.requeue([task.sequence], priority: task.priority) }
        return reserved
    }

    /// Gives a task to a worker as its next attempt, taking what its demand needs of the worker, its host and its
    /// pool.
    private mutating func assign(
        _ sequence: UInt64, to workerID: UInt32, now: Instant, tasks: inout SequenceTable<TaskRecord>,
        workers: inout [UInt32: WorkerRecord]
    ) -> DispatchedTask {
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

    /// Forgets that a worker holds a task, giving back what it took of the worker, its host and its pool; the
    /// caller clears the task's `holder`.
    mutating func release(_ sequence: UInt64, _ record: TaskRecord, from workerID: UInt32, workers: inout [UInt32: WorkerRecord]) {
        guard var worker = workers[workerID] else { return }
        worker.discharge(isIO: record.isIO, cpus: ledger[demand: record.demand].cpus)
        workers[workerID] = worker
        ledger.give(for: sequence, demandIndex: record.demand, host: worker.capacity.host)
    }

    /// Moves tasks that waited for their pool back to the ready queue, ahead of the others of their priority, as far
    /// as the pool has room now.
    mutating func releasePools(now: Instant, tasks: SequenceTable<TaskRecord>) {
        for released in ledger.releasePools(now: now) {
            for sequence in released.reversed() {
                constrained.requeue([sequence], priority: tasks[sequence]?.priority ?? 0)
            }
        }
    }

    /// When no CPU-bound plain task is ready and a worker has a free slot, the worker holding the most unstarted tasks
    /// and the number it should give back (half of them), so no core idles while another worker's queue waits.
    func rebalance(workers: [UInt32: WorkerRecord]) -> (workerID: UInt32, count: Int)? {
        guard queue.isEmpty else { return nil }
        let idle = workers.values.contains { !$0.retiring && $0.cpuUnits < $0.slots }
        guard idle else { return nil }
        let donor = workers
            .filter { !$0.value.reclaimPending && $0.value.cpuUnits > $0.value.slots }
            .max { ($0.value.cpuUnits, $1.key) < ($1.value.cpuUnits, $0.key) }
        guard let (workerID, record) = donor else { return nil }
        return (workerID, (record.cpuUnits - record.slots + 1) / 2)
    }
}

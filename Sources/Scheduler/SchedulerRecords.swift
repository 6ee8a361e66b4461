/// What the scheduler knows about one registered worker: its size, what it holds, and the messages in flight to it.
struct WorkerRecord: Sendable {
    var slots: Int
    /// IO-bound tasks it runs at once.
    var ioConcurrency: Int = 256
    /// Tasks it holds (queued or running there).
    var held = 0
    /// How many of `held` are IO-bound.
    var heldIO = 0
    var lastHeard: Instant
    var drainSent = false
    /// A `reclaim` is on its way; no other is sent until the worker answers.
    var reclaimPending = false
    var cancelSent = false
    /// A local worker, replaced when lost.
    var replaceable = false
    /// Whether it reported any finished task (proof that workers can run this job).
    var finishedAny = false
    /// Told to take no more tasks (`retire`).
    var retiring = false
    /// CPU slots taken by the CPU-bound tasks it holds (a task with `cpus` N takes N).
    var cpuUnits = 0
    /// Held tasks that take more than one CPU slot; while there are any, it gets no prefetch.
    var wideHeld = 0
    var capacity = WorkerCapacity()

    /// Counts a task it now holds: an IO-bound one against its IO concurrency, another against its CPU slots.
    mutating func charge(isIO: Bool, cpus: Int) {
        held += 1
        if isIO {
            heldIO += 1
        } else {
            cpuUnits += cpus
            if cpus > 1 { wideHeld += 1 }
        }
    }

    /// Gives back what `charge` counted, when the task leaves it.
    mutating func discharge(isIO: Bool, cpus: Int) {
        held -= 1
        if isIO {
            heldIO -= 1
        } else {
            cpuUnits -= cpus
            if cpus > 1 { wideHeld -= 1 }
        }
    }
}

/// What the scheduler knows about one loaded task that has no recorded result yet.
struct TaskRecord: Sendable {
    /// Dispatches that reached a worker's queue, counting the current one (the attempt number).
    var attempts: UInt32 = 0
    /// Failures that may still be retried.
    var retriesLeft: Int
    /// Retries used so far.
    var retriesUsed = 0
    /// Workers that died while running this task.
    var deaths = 0
    /// Whether the current attempt has started running.
    var started = false
    /// When the current attempt was dispatched, in the scheduler's dispatch order.
    var dispatchOrder: UInt64 = 0
    /// Whether it waits on IO rather than computing.
    var isIO = false
    /// The worker holding the current attempt, while one does.
    var holder: UInt32?
    var priority = 0
    /// Index into `demands`; 0 is the plain demand.
    var demand: Int32 = 0
    /// Dependencies that have not ended yet.
    var waitingOn: Int32 = 0
}

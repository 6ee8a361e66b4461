/// Every loaded task that has no recorded result yet, and the accounting of its attempts: which attempt is current
/// and which worker holds it, whether it started, which reported results count, and the retries it used.
///
/// It exists so that the rules about attempts live in one place; placement and dependency tracking update the same
/// `records`.
struct TaskTable: Sendable {
    var records = SequenceTable<TaskRecord>()

    subscript(sequence: UInt64) -> TaskRecord? {
        get { records[sequence] }
        set { records[sequence] = newValue }
    }

    var isEmpty: Bool { records.isEmpty }

    /// Notes that a worker started tasks, as far as it holds their current attempt.
    mutating func markStarted(_ started: [DispatchedTask], by workerID: UInt32) {
        for task in started {
            guard var record = records[task.sequence], record.holder == workerID, record.attempts == task.attempt else {
                continue
            }
            record.started = true
            records[task.sequence] = record
        }
    }

    /// A task a worker gave back unstarted: it never started, so that dispatch was not an attempt. Returns whether the
    /// worker held it; the caller then releases and requeues it.
    mutating func takeBack(_ sequence: UInt64, from workerID: UInt32) -> Bool {
        guard var record = records[sequence], record.holder == workerID else { return false }
        if record.attempts > 0 { record.attempts -= 1 }
        record.started = false
        record.holder = nil
        records[sequence] = record
        return true
    }

    /// The record of the task a reported result is for, when that result counts. Only a loaded, unrecorded task's
    /// result counts: a late result from a worker presumed lost still completes the task (the work is done), and every
    /// later copy is dropped. A failure counts only from the worker holding the current attempt: one from an earlier
    /// attempt, or from a worker that lost the task (often because it stopped the task itself when it gave up on this
    /// coordinator), is dropped, as the task runs again anyway.
    func countedRecord(for task: FinishedTask, from workerID: UInt32) -> TaskRecord? {
        guard let record = records[task.sequence],
            task.succeeded || (task.attempt == record.attempts && record.holder == workerID)
        else { return nil }
        return record
    }

    /// Uses one of a failed task's retries (`record` is its record, no longer held); returns the retry's number.
    mutating func useRetry(_ sequence: UInt64, _ record: TaskRecord) -> Int {
        var record = record
        record.retriesLeft -= 1
        record.retriesUsed += 1
        record.started = false
        records[sequence] = record
        return record.retriesUsed
    }

    /// The tasks a worker holds, in the order it received them, each with whether it is presumed running: a worker
    /// runs its tasks in that order, `slots` at a time, and reports starts lazily, so its oldest `slots` CPU-bound
    /// tasks are running even if their start has not been reported yet.
    func held(by workerID: UInt32, slots: Int) -> [(sequence: UInt64, record: TaskRecord, running: Bool)] {
        let held = records.entries.filter { $0.value.holder == workerID }
            .sorted { $0.value.dispatchOrder < $1.value.dispatchOrder }
        let presumedRunning = Set(held.filter { !$0.value.isIO }.prefix(slots).map(\.sequence))
        return held.map { ($0.sequence, $0.value, $0.value.started || presumedRunning.contains($0.sequence)) }
    }
}

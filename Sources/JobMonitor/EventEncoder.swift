import Clock
public import JSONValue
import Coordinator

/// Writes job events as NDJSON lines into a byte buffer, numbering them.
///
/// Every line is one JSON object starting with `seq` (1, 2, 3, ...), `t_us` (microseconds since the Unix epoch)
/// and `event` (the kind); `JobEvent` lists the kinds and their fields. Built by hand into bytes because task
/// events come as fast as results do. A value type; not shared between threads.
public struct EventEncoder: Sendable {
    /// Encoded lines not yet taken with `take()`.
    public private(set) var buffer: [UInt8] = []
    /// The number of the last event encoded (0 before the first).
    public private(set) var sequence: Int = 0

    /// Creates an encoder whose first event is number 1.
    public init() {
        buffer.reserveCapacity(1 << 16)
    }

    /// Returns the encoded lines and empties the buffer.
    public mutating func take() -> [UInt8] {
        let lines = buffer
        buffer.removeAll(keepingCapacity: true)
        return lines
    }

    /// `job_started`: the job, its task file, results file, size and workers.
    public mutating func jobStarted(_ info: JobState.Info, at time: Int64) {
        begin("job_started", at: time)
        field(",\"job\":", string: info.jobID)
        field(",\"name\":", string: info.name)
        field(",\"task_file\":", string: info.taskFile)
        field(",\"results\":", string: info.resultsPath)
        field(",\"total\":", int: info.total)
        field(",\"workers\":", int: info.workers)
        field(",\"slots\":", int: info.slots)
        field(",\"pid\":", int: Int(info.pid))
        field(",\"host\":", string: info.host)
        end()
    }

    /// `worker_joined`: a worker registered.
    public mutating func workerJoined(name: String, host: String, at time: Int64) {
        begin("worker_joined", at: time)
        field(",\"worker\":", string: name)
        field(",\"host\":", string: host)
        end()
    }

    /// `worker_lost`: a worker is gone and `requeued` of its tasks went back to the queue.
    public mutating func workerLost(name: String, reason: String, requeued: Int, at time: Int64) {
        begin("worker_lost", at: time)
        field(",\"worker\":", string: name)
        field(",\"reason\":", string: reason)
        field(",\"requeued\":", int: requeued)
        end()
    }

    /// `tasks_started`: tasks began running on a worker.
    public mutating func tasksStarted(_ ids: [JSONValue], worker: String, at time: Int64) {
        begin("tasks_started", at: time)
        field(",\"worker\":", string: worker)
        raw(",\"ids\":[")
        for (index, id) in ids.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            JSONWriter.append(id, to: &buffer)
        }
        buffer.append(UInt8(ascii: "]"))
        end()
    }

    /// `task_finished`: a task's result was recorded.
    public mutating func taskFinished(_ task: JobState.FinishedTask, at time: Int64) {
        begin("task_finished", at: time)
        raw(",\"id\":")
        JSONWriter.append(task.id, to: &buffer)
        field(",\"status\":", string: task.status)
        field(",\"worker\":", string: task.worker)
        field(",\"attempts\":", int: task.attempts)
        field(",\"started_us\":", int64: task.startedMicroseconds)
        raw(",\"duration_us\":")
        appendDecimal(task.durationMicroseconds, to: &buffer)
        if let error = task.error { field(",\"error\":", string: error) }
        if let tail = task.stderrTail { field(",\"stderr_tail\":", string: tail) }
        end()
    }

    /// `output`: one line a task wrote (`stream` is `stdout` or `stderr`), without its newline; `cut` (written only
    /// when true) says the line was longer than the line limit and continues in the next `output` of that stream.
    public mutating func output(id: JSONValue, stream: String, line: String, cut: Bool = false, at time: Int64) {
        begin("output", at: time)
        raw(",\"id\":")
        JSONWriter.append(id, to: &buffer)
        field(",\"stream\":", string: stream)
        field(",\"line\":", string: line)
        if cut { raw(",\"cut\":true") }
        end()
    }

    /// `progress`: what a running task reported about itself (`permille` from 0 to 1000 when it knows).
    public mutating func progress(id: JSONValue, worker: String, permille: Int?, message: String, at time: Int64) {
        begin("progress", at: time)
        raw(",\"id\":")
        JSONWriter.append(id, to: &buffer)
        field(",\"worker\":", string: worker)
        if let permille { field(",\"permille\":", int: permille) }
        field(",\"message\":", string: message)
        end()
    }

    /// `totals`: the coordinator's counts.
    public mutating func totals(_ totals: JobState.Totals, at time: Int64) {
        begin("totals", at: time)
        appendTotals(totals)
        end()
    }

    /// `job_ended`: how the job ended (`completed`, `interrupted`, `no-workers`, `failed`) and its final counts.
    public mutating func jobEnded(ending: String, totals: JobState.Totals, at time: Int64) {
        begin("job_ended", at: time)
        field(",\"ending\":", string: ending)
        appendTotals(totals)
        end()
    }

    private mutating func appendTotals(_ totals: JobState.Totals) {
        field(",\"total\":", int: totals.total)
        field(",\"succeeded\":", int: totals.succeeded)
        field(",\"failed\":", int: totals.failed)
        field(",\"workers\":", int: totals.workers)
        field(",\"busy\":", int: totals.busyWorkers)
        raw(",\"elapsed_us\":")
        appendDecimal(totals.elapsedMicroseconds, to: &buffer)
        if !totals.waiting.isEmpty { field(",\"waiting\":", string: totals.waiting) }
        raw(",\"statuses\":")
        JSONWriter.append(totals.statuses.json(), to: &buffer)
    }

    private mutating func begin(_ kind: StaticString, at time: Int64) {
        sequence += 1
        raw("{\"seq\":")
        appendDecimal(UInt64(sequence), to: &buffer)
        field(",\"t_us\":", int64: time)
        raw(",\"event\":\"")
        raw(kind)
        buffer.append(UInt8(ascii: "\""))
    }

    private mutating func end() {
        buffer.append(UInt8(ascii: "}"))
        buffer.append(UInt8(ascii: "\n"))
    }

    @inline(__always)
    private mutating func raw(_ text: StaticString) {
        JSONWriter.appendText(text, to: &buffer)
    }

    @inline(__always)
    private mutating func field(_ key: StaticString, string: String) {
        raw(key)
        JSONWriter.appendString(string, to: &buffer)
    }

    @inline(__always)
    private mutating func field(_ key: StaticString, int: Int) {
        field(key, int64: Int64(int))
    }

    @inline(__always)
    private mutating func field(_ key: StaticString, int64 value: Int64) {
        raw(key)
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude, to: &buffer)
    }
}

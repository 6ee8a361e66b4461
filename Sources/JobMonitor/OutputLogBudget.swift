import JSONValue

/// How much streamed task output a job's event log takes: lines are logged until `limitBytes` of them are, then only
/// counted per task, so a task that floods its output cannot fill the disk through the log. Pure bookkeeping for
/// `JobEventRecorder`.
struct OutputLogBudget {
    /// The most bytes of output lines one job's event log holds (`output_log_bytes`).
    let limitBytes: Int
    private(set) var loggedBytes = 0
    /// Lines not logged, per task key, with the task's id as logged, in the order tasks first lost one.
    private(set) var dropped: [String: Int] = [:]
    private(set) var droppedOrder: [(key: String, id: JSONValue)] = []

    init(limitBytes: Int) {
        self.limitBytes = max(limitBytes, 0)
    }

    /// Whether a line of `bytes` bytes of task `key` may be logged; counts it when not.
    mutating func admit(bytes: Int, key: String, id: JSONValue) -> Bool {
        if dropped.isEmpty, loggedBytes + bytes <= limitBytes {
            loggedBytes += bytes
            return true
        }
        if dropped[key] == nil { droppedOrder.append((key, id)) }
        dropped[key, default: 0] += 1
        return false
    }

    /// Every line not logged.
    var droppedLines: Int { dropped.values.reduce(0, +) }

    /// The note that stands for `count` lines of a task left out of the log.
    func note(count: Int) -> String {
        "[jobrun: \(count) line\(count == 1 ? "" : "s") not logged: the event log keeps at most \(limitBytes) bytes of "
            + "task output per job (output_log_bytes)]"
    }
}

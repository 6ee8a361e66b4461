import JSONValue
import Coordinator

/// Renders a job's state as the lines of a text frame: totals, rate and ETA, per-worker (or per-host) rows, the
/// slowest running tasks and the latest failures. Plain text: it works in any terminal, over ssh and in logs.
public struct FrameRenderer: Sendable {
    /// More workers than this are shown as one row per host.
    public var maxWorkerRows = 16
    /// How many running tasks the "slowest running" line names.
    public var slowestShown = 5
    /// How many failures the frame lists.
    public var failuresShown = 5

    /// A renderer with the default limits.
    public init() {}

    /// The frame for `state` at `nowMicroseconds`; `status` is the job's state as shown (`running`, `died`, ...).
    public func lines(_ state: JobState, jobID: String, status: String, nowMicroseconds: Int64) -> [String] {
        var lines: [String] = []
        if let info = state.info {
            lines.append("job \(jobID) (\(info.name)): \(status), coordinator pid \(info.pid) on \(info.host)")
        } else {
            lines.append("job \(jobID): \(status)")
        }
        lines.append("  " + progressLine(state, nowMicroseconds: nowMicroseconds))
        lines += workerLines(state, nowMicroseconds: nowMicroseconds)
        let slowest = state.running.values.sorted(by: Self.startOrder).prefix(slowestShown)
        if !slowest.isEmpty {
            let items = slowest.map { task in
                "\(DisplayFormat.taskID(task.id)) \(Self.age(task.startedMicroseconds, nowMicroseconds)) on \(task.worker)"
                    + Self.progress(task)
            }
            lines.append("  slowest running: " + items.joined(separator: "; "))
        }
        if !state.recentFailures.isEmpty {
            lines.append("  latest failures (\(state.totals.failed) in all):")
            for task in state.recentFailures.suffix(failuresShown).reversed() { lines.append("    " + Self.failureLine(task)) }
        }
        if state.ending != nil, let info = state.info { lines.append("  results in \(info.resultsPath)") }
        return lines
    }

    /// One line of counts: done of total, each status but ok (and, once the job ended, tasks never started), rate, elapsed, ETA and busy workers.
    public func progressLine(_ state: JobState, nowMicroseconds: Int64) -> String {
        let progress = JobProgress(state, nowMicroseconds: nowMicroseconds)
        var parts = ["\(state.totals.recorded)/\(state.totals.total) done"]
        // Once the job is over, nothing runs: what has no result never started.
        let notStarted = state.ending == nil ? 0 : state.totals.notStarted(running: 0)
        parts.append(state.totals.statuses.phrase(notStarted: notStarted, includingOK: false))
        parts.append("\(DisplayFormat.rate(progress.rate)) tasks/s")
        parts.append("\(DisplayFormat.clock(seconds: progress.elapsedSeconds)) elapsed")
        if let left = progress.estimatedSecondsLeft { parts.append("ETA \(DisplayFormat.clock(seconds: left))") }
        if state.ending == nil { parts.append("\(state.totals.busyWorkers)/\(state.totals.workers) workers busy") }
        if state.ending == nil, !state.totals.waiting.isEmpty { parts.append(state.totals.waiting) }
        return parts.joined(separator: ", ")
    }

    /// A task that did not succeed as one line: id, its status unless `failed` (or `showingStatus` is false),
    /// worker, duration, error and the last line of its stderr.
    public static func failureLine(_ task: JobState.FinishedTask, showingStatus: Bool = true) -> String {
        let status = task.status == "failed" || !showingStatus ? "" : " (\(task.status))"
        var error = task.error.map { ": " + DisplayFormat.oneLine($0) } ?? ""
        if let tail = task.stderrTail { error += " (stderr: \(DisplayFormat.oneLine(tail, limit: 120)))" }
        return "\(DisplayFormat.taskID(task.id))\(status) on \(task.worker) after \(DisplayFormat.duration(microseconds: task.durationMicroseconds))\(error)"
    }

    private func workerLines(_ state: JobState, nowMicroseconds: Int64) -> [String] {
        guard !state.workers.isEmpty else { return [] }
        var runningByWorker: [String: [JobState.RunningTask]] = [:]
        for task in state.running.values { runningByWorker[task.worker, default: []].append(task) }
        if state.workers.count > maxWorkerRows { return hostLines(state, runningByWorker: runningByWorker) }
        let width = max(state.workers.map(\.name.count).max() ?? 6, 6)
        var lines = ["  " + DisplayFormat.pad("worker", width) + "   done  failed  now"]
        for row in state.workers {
            let now: String
            if let reason = row.lostReason {
                now = "lost: \(DisplayFormat.oneLine(reason, limit: 80)) (\(row.requeued) tasks requeued)"
            } else if let tasks = runningByWorker[row.name], !tasks.isEmpty {
                let sorted = tasks.sorted(by: Self.startOrder)
                let first = sorted[0]
                let more = sorted.count > 1 ? " +\(sorted.count - 1)" : ""
                now = "running \(DisplayFormat.taskID(first.id)) for \(Self.age(first.startedMicroseconds, nowMicroseconds))"
                    + Self.progress(first) + more
            } else {
                now = state.ending == nil ? "-" : "done"
            }
            lines.append(
                "  " + DisplayFormat.pad(row.name, width) + " " + DisplayFormat.pad(String(row.done), 6, right: true) + " "
                    + DisplayFormat.pad(String(row.failed), 7, right: true) + "  " + now
            )
        }
        return lines
    }

    private func hostLines(_ state: JobState, runningByWorker: [String: [JobState.RunningTask]]) -> [String] {
        var order: [String] = []
        var rows: [String: (workers: Int, lost: Int, done: Int, failed: Int, running: Int)] = [:]
        for row in state.workers {
            if rows[row.host] == nil { order.append(row.host) }
            var entry = rows[row.host] ?? (0, 0, 0, 0, 0)
            entry.workers += 1
            if row.lostReason != nil { entry.lost += 1 }
            entry.done += row.done
            entry.failed += row.failed
            entry.running += runningByWorker[row.name]?.count ?? 0
            rows[row.host] = entry
        }
        let width = max(order.map(\.count).max() ?? 4, 4)
        var lines = ["  " + DisplayFormat.pad("host", width) + "  workers     done  failed  running"]
        for host in order {
            guard let entry = rows[host] else { continue }
            let workers = entry.lost > 0 ? "\(entry.workers - entry.lost)+\(entry.lost) lost" : String(entry.workers)
            lines.append(
                "  " + DisplayFormat.pad(host, width) + "  " + DisplayFormat.pad(workers, 7, right: true) + " "
                    + DisplayFormat.pad(String(entry.done), 8, right: true) + " " + DisplayFormat.pad(String(entry.failed), 7, right: true)
                    + " " + DisplayFormat.pad(String(entry.running), 8, right: true)
            )
        }
        return lines
    }

    /// ` (42%: fetching page 3)` for a task that reported progress.
    private static func progress(_ task: JobState.RunningTask) -> String {
        var parts: [String] = []
        if let permille = task.progressPermille { parts.append("\(permille / 10)%") }
        if let message = task.progressMessage, !message.isEmpty { parts.append(DisplayFormat.oneLine(message, limit: 60)) }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: ": ") + ")"
    }

    /// Oldest first; ties by id, so frames do not flicker.
    private static func startOrder(_ left: JobState.RunningTask, _ right: JobState.RunningTask) -> Bool {
        (left.startedMicroseconds, DisplayFormat.taskID(left.id)) < (right.startedMicroseconds, DisplayFormat.taskID(right.id))
    }

    private static func age(_ started: Int64, _ now: Int64) -> String {
        DisplayFormat.duration(microseconds: UInt64(max(now - started, 0)))
    }
}

import JSONValue
import Clock

/// `jobrun report`: one self-contained HTML page about a job — a summary, a timeline (one row per worker, one bar
/// per task coloured by status), a histogram of task durations, the workers and the failures.
///
/// Everything is inline (CSS and SVG, no scripts, no links), so the file opens anywhere without a network. Jobs
/// with more than `maxBars` tasks draw the timeline as per-pixel busy blocks instead of one bar per task, to keep
/// the page light. A value type; `html()` is pure.
public struct ReportBuilder {
    /// The job's state, built with `keepFinishedTasks`.
    public let state: JobState
    /// The job's id.
    public let jobID: String
    /// The job's state as shown (`completed`, `running`, `died`, ...).
    public let displayState: String
    /// The job's metadata, when readable.
    public let metadata: JobMetadata?
    /// Above this many tasks the timeline shows busy blocks instead of one bar per task.
    public var maxBars = 5000
    /// Failures listed in the table; the rest are counted.
    public var maxFailureRows = 1000

    /// A report of `state`.
    public init(state: JobState, jobID: String, displayState: String, metadata: JobMetadata?) {
        self.state = state
        self.jobID = jobID
        self.displayState = displayState
        self.metadata = metadata
    }

    /// The statuses, their colours and labels, in legend order.
    static let statuses: [(name: String, colour: String)] = [
        ("ok", "#3a9d5d"), ("failed", "#d64545"), ("timeout", "#e08a1e"), ("cancelled", "#8a8a8a"),
        ("skipped", "#b8a9d9"),
    ]

    /// The tasks the report draws.
    var tasks: [JobState.FinishedTask] { state.finishedTasks ?? [] }

    /// The time axis: from the job's start to its end (or its last task or event).
    var timeRange: (start: Int64, end: Int64) {
        var start = state.info?.startedMicroseconds ?? tasks.map(\.startedMicroseconds).min() ?? 0
        if let first = tasks.map(\.startedMicroseconds).min(), first < start { start = first }
        var end = max(state.endedMicroseconds ?? 0, state.lastEventMicroseconds)
        for task in tasks { end = max(end, task.startedMicroseconds + Int64(task.durationMicroseconds)) }
        return (start, max(end, start + 1))
    }

    /// The whole page.
    public func html(generatedMicroseconds: Int64 = Clocks.realTimeMicroseconds()) -> String {
        var page = Self.pageHead(title: "jobrun report: \(Self.escape(jobID))")
        page += "</head><body>\n"
        page += summary(generatedMicroseconds: generatedMicroseconds)
        page += "<h2>Timeline</h2>\n" + legend() + timeline()
        page += "<h2>Task durations</h2>\n" + histogram()
        page += "<h2>Workers</h2>\n" + workerTable()
        page += "<h2>Failures</h2>\n" + failureTable()
        page += "</body></html>\n"
        return page
    }

    /// The parts of the page a live view redraws, by name: `summary`, `timeline` (with its legend) and `workers`.
    /// The same drawing as the report's own sections.
    public func liveSections(generatedMicroseconds: Int64 = Clocks.realTimeMicroseconds()) -> [(name: String, html: String)] {
        [
            ("summary", summary(generatedMicroseconds: generatedMicroseconds)),
            ("timeline", legend() + timeline()),
            ("workers", workerTable()),
        ]
    }

    /// The start of a page in the report's style, up to (not including) `</head>`: inline CSS only.
    public static func pageHead(title: String) -> String {
        var head = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d232a; background: #fff; }
            h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
            .sub { color: #5b6570; margin-bottom: 16px; }
            table { border-collapse: collapse; } td, th { padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
            th { color: #5b6570; font-weight: 600; } .num { text-align: right; font-variant-numeric: tabular-nums; }
            table.list td, table.list th { border-bottom: 1px solid #e3e6ea; padding: 4px 12px 4px 0; }
            .error { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; max-width: 60em; }
            svg { display: block; max-width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: #3b444d; }
            .legend span { display: inline-block; margin-right: 14px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; border-radius: 2px; }

            """
        for status in statuses { head += ".\(status.name) { fill: \(status.colour); } " }
        head += ".other { fill: #5d6cc0; } .grid { stroke: #e3e6ea; } .axis { stroke: #9aa3ad; }\n</style>"
        return head
    }

    private func summary(generatedMicroseconds: Int64) -> String {
        let (start, end) = timeRange
        let wall = Double(end - start) / 1e6
        let totals = state.totals
        var rows: [(String, String)] = [
            ("State", displayState),
            ("Tasks", "\(totals.recorded) of \(totals.total) done: \(totals.phrase(running: state.running.count))"),
            ("Started", state.info.map { Clocks.rfc3339(microseconds: $0.startedMicroseconds) } ?? "unknown"),
            ("Wall time", DisplayFormat.duration(microseconds: UInt64(end - start))),
            ("Throughput", wall > 0 ? "\(DisplayFormat.rate(Double(totals.recorded) / wall)) tasks/s" : "-"),
            ("Workers", "\(state.workers.count) (\(state.workers.filter { $0.lostReason != nil }.count) lost)"),
        ]
        if let ended = state.endedMicroseconds {
            rows.insert(("Ended", Clocks.rfc3339(microseconds: ended)), at: 3)
        } else if !totals.waiting.isEmpty {
            // Tasks held back by dependencies, pools, resources or --memfree, as the coordinator last said.
            rows.insert(("Waiting", totals.waiting), at: 2)
        }
        if let info = state.info {
            rows.append(("Task file", info.taskFile))
            rows.append(("Results", info.resultsPath))
            rows.append(("Coordinator", "pid \(info.pid) on \(info.host)"))
        }
        if let settings = metadata?.settingsPath { rows.append(("Settings", settings)) }
        var text = "<h1>jobrun report: \(Self.escape(jobID))</h1>\n"
        text += "<div class=\"sub\">\(Self.escape(state.info?.name ?? metadata?.name ?? "")) · generated \(Clocks.rfc3339(microseconds: generatedMicroseconds))</div>\n"
        text += "<table class=\"summary\">\n"
        for (key, value) in rows { text += "<tr><th>\(key)</th><td>\(Self.escape(value))</td></tr>\n" }
        return text + "</table>\n"
    }

    private func legend() -> String {
        var text = "<div class=\"legend\">"
        for status in Self.statuses { text += "<span><i style=\"background:\(status.colour)\"></i>\(status.name)</span>" }
        return text + "</div>\n"
    }

    private func workerTable() -> String {
        guard !state.workers.isEmpty else { return "<p>No worker joined.</p>\n" }
        let (start, end) = timeRange
        let span = Double(end - start)
        var text = "<table class=\"list\"><tr><th>worker</th><th>host</th><th class=\"num\">tasks</th><th class=\"num\">failed</th>"
            + "<th class=\"num\">busy</th><th class=\"num\">busy %</th><th>state</th></tr>\n"
        for row in state.workers {
            let share = span > 0 ? Double(row.busyMicroseconds) / span * 100 : 0
            let status = row.lostReason.map { "lost: \($0) (\(row.requeued) tasks requeued)" } ?? "active to the end"
            text += "<tr><td>\(Self.escape(row.name))</td><td>\(Self.escape(row.host))</td><td class=\"num\">\(row.done)</td>"
                + "<td class=\"num\">\(row.failed)</td><td class=\"num\">\(DisplayFormat.duration(microseconds: row.busyMicroseconds))</td>"
                + "<td class=\"num\">\(DisplayFormat.decimal(share))</td><td>\(Self.escape(status))</td></tr>\n"
        }
        return text + "</table>\n"
    }

    private func failureTable() -> String {
        let failures = tasks.filter { !$0.succeeded }
        guard !failures.isEmpty else { return "<p>No task failed.</p>\n" }
        var text = "<table class=\"list failures\"><tr><th>task</th><th>status</th><th>worker</th><th class=\"num\">attempts</th>"
            + "<th>started</th><th class=\"num\">duration</th><th>error</th><th>last stderr line</th></tr>\n"
        for task in failures.prefix(maxFailureRows) {
            text += "<tr><td>\(Self.escape(DisplayFormat.taskID(task.id)))</td><td>\(Self.escape(task.status))</td><td>\(Self.escape(task.worker))</td>"
                + "<td class=\"num\">\(task.attempts)</td><td>\(Clocks.rfc3339(microseconds: task.startedMicroseconds))</td>"
                + "<td class=\"num\">\(DisplayFormat.duration(microseconds: task.durationMicroseconds))</td>"
                + "<td class=\"error\">\(Self.escape(task.error ?? ""))</td><td class=\"error\">\(Self.escape(task.stderrTail ?? ""))</td></tr>\n"
        }
        text += "</table>\n"
        if failures.count > maxFailureRows { text += "<p>… and \(failures.count - maxFailureRows) more failures (see the results file).</p>\n" }
        return text
    }

    /// Text made safe inside HTML elements and attribute values.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A number for an SVG attribute, with at most two decimals.
    static func coordinate(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

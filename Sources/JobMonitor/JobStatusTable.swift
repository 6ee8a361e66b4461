import Clock
import Coordinator
import JSONValue

/// `jobrun status`: the jobs on this machine as a table (id, name, state, done/total, age, the tasks by status, and
/// why tasks wait) or as JSON lines. Running jobs are asked for fresh counts (briefly); the others show what their `job.json` recorded.
///
/// Threads: use from one thread.
public struct JobStatusTable {
    /// One row.
    public struct Row: Sendable {
        public var record: JobRecord
        public var total: Int
        public var succeeded: Int
        public var failed: Int
        /// Recorded tasks by status.
        public var statuses: StatusCounts
        /// Tasks that never started, when known: a running job's come from its snapshot, an ended job's from its
        /// counts; nil for a running job that did not answer.
        public var notStarted: Int?
        /// Why tasks of a running job wait (dependencies, pools, resources, `--memfree`), as its coordinator says;
        /// empty when nothing waits or the job is not running.
        public var waiting = ""
        public var recorded: Int { succeeded + failed }
    }

    /// The rows, oldest job first.
    public let rows: [Row]

    /// Reads `records`, asking running coordinators for their counts within `timeoutMilliseconds` each.
    public init(records: [JobRecord], timeoutMilliseconds: Int = 300) {
        let client = records.contains { $0.isLive } ? try? ControlClient() : nil
        rows = records.map { record in
            let metadata = record.metadata
            var row = Row(
                record: record, total: metadata?.total ?? 0, succeeded: metadata?.succeeded ?? 0, failed: metadata?.failed ?? 0,
                statuses: metadata?.statuses ?? StatusCounts(), notStarted: record.isLive ? nil : metadata?.notStarted)
            if record.isLive, let client, let endpoint = metadata?.controlEndpoint,
                let state = try? client.snapshot(endpoint: endpoint, timeoutMilliseconds: timeoutMilliseconds)
            {
                row.total = state.totals.total
                row.succeeded = state.totals.succeeded
                row.failed = state.totals.failed
                row.statuses = state.totals.statuses
                row.notStarted = state.totals.notStarted(running: state.running.count)
                row.waiting = state.totals.waiting
            }
            return row
        }
    }

    /// The table's lines, with a header.
    public func lines(nowMicroseconds: Int64 = Clocks.realTimeMicroseconds()) -> [String] {
        let nameWidth = min(max(rows.compactMap { $0.record.metadata?.name.count }.max() ?? 4, 4), 32)
        var lines = [
            DisplayFormat.pad("ID", 20) + "  " + DisplayFormat.pad("NAME", nameWidth) + "  " + DisplayFormat.pad("STATE", 11)
                + "  " + DisplayFormat.pad("DONE/TOTAL", 15, right: true) + "  " + DisplayFormat.pad("AGE", 8) + "  TASKS",
        ]
        for row in rows {
            let metadata = row.record.metadata
            let age = metadata.map { DisplayFormat.age(seconds: Double(nowMicroseconds - $0.createdMicroseconds) / 1e6) } ?? "?"
            lines.append(
                DisplayFormat.pad(row.record.id, 20) + "  " + DisplayFormat.pad(metadata?.name ?? "?", nameWidth) + "  "
                    + DisplayFormat.pad(row.record.displayState, 11) + "  "
                    + DisplayFormat.pad("\(row.recorded)/\(row.total)", 15, right: true) + "  "
                    + DisplayFormat.pad(age, 8) + "  " + row.statuses.phrase(notStarted: row.notStarted ?? 0)
                    + (row.waiting.isEmpty ? "" : "; " + row.waiting)
            )
        }
        return lines
    }

    /// One JSON object per job: its `job.json` fields with fresh counts (`statuses` with `not_started` when known),
    /// and `display_state`.
    public func jsonLines() -> [String] {
        rows.map { row in
            var object = row.record.metadata?.json.objectValue ?? JSONObject([("id", .string(row.record.id))])
            object["total"] = .number(JSONNumber(row.total))
            object["succeeded"] = .number(JSONNumber(row.succeeded))
            object["failed"] = .number(JSONNumber(row.failed))
            object["statuses"] = row.statuses.json(notStarted: row.notStarted)
            object["display_state"] = .string(row.record.displayState)
            if !row.waiting.isEmpty { object["waiting"] = .string(row.waiting) }
            if let problem = row.record.metadataProblem { object["problem"] = .string(problem) }
            return JSONValue.object(object).text
        }
    }
}

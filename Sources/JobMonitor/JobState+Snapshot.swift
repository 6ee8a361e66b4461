public import JSONValue
import Coordinator

extension JobState {
    /// The state as the control endpoint's `snapshot` reply: everything a viewer needs for its first frame, and the
    /// number of the last event it includes (`seq`), so the viewer can skip those events on the stream.
    public func snapshotJSON(nowMicroseconds: Int64) -> JSONValue {
        func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
        func int64(_ value: Int64) -> JSONValue { .number(JSONNumber(Int(value))) }
        func unsigned(_ value: UInt64) -> JSONValue { .number(JSONNumber(Int(clamping: value))) }
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        var members: [(String, JSONValue)] = [("reply", "snapshot"), ("seq", int(sequence)), ("now_us", int64(nowMicroseconds))]
        if let info {
            members.append(("job", .object(JSONObject([
                ("job", .string(info.jobID)), ("name", .string(info.name)), ("task_file", .string(info.taskFile)),
                ("results", .string(info.resultsPath)), ("total", int(info.total)), ("workers", int(info.workers)),
                ("slots", int(info.slots)), ("pid", int(Int(info.pid))), ("host", .string(info.host)),
                ("started_us", int64(info.startedMicroseconds)),
            ]))))
        }
        members.append(("totals", .object(JSONObject([
            ("total", int(totals.total)), ("succeeded", int(totals.succeeded)), ("failed", int(totals.failed)),
            ("workers", int(totals.workers)), ("busy", int(totals.busyWorkers)),
            ("elapsed_us", unsigned(totals.elapsedMicroseconds)), ("at_us", int64(totalsMicroseconds)),
            ("waiting", .string(totals.waiting)), ("statuses", totals.statuses.json()),
        ]))))
        members.append(("workers", .array(workers.map { row in
            .object(JSONObject([
                ("worker", .string(row.name)), ("host", .string(row.host)), ("joined_us", int64(row.joinedMicroseconds)),
                ("done", int(row.done)), ("failed", int(row.failed)), ("busy_us", unsigned(row.busyMicroseconds)),
                ("lost", optional(row.lostReason)), ("requeued", int(row.requeued)),
            ]))
        })))
        members.append(("running", .array(running.values.sorted { $0.startedMicroseconds < $1.startedMicroseconds }.map { task in
            .object(JSONObject([
                ("id", task.id), ("worker", .string(task.worker)), ("started_us", int64(task.startedMicroseconds)),
                ("permille", task.progressPermille.map(int) ?? .null), ("message", optional(task.progressMessage)),
            ]))
        })))
        members.append(("failures", .array(recentFailures.map { Self.finishedJSON($0) })))
        members.append(("duration_sum_us", unsigned(durationSumMicroseconds)))
        members.append(("duration_count", int(durationCount)))
        members.append(("ending", optional(ending)))
        members.append(("ended_us", endedMicroseconds.map(int64) ?? .null))
        return .object(JSONObject(members))
    }

    /// Rebuilds a state from a `snapshot` reply.
    ///
    /// - Throws: `MonitorError` naming the first missing or mistyped field.
    public init(snapshot object: JSONObject) throws(MonitorError) {
        self.init()
        let fields = EventFields(object: object)
        sequence = try fields.int("seq")
        lastEventMicroseconds = Int64(try fields.int("now_us"))
        if let job = object["job"]?.objectValue {
            let info = EventFields(object: job)
            start(Info(
                jobID: try info.string("job"), name: try info.string("name"), taskFile: try info.string("task_file"),
                resultsPath: try info.string("results"), total: try info.int("total"), workers: try info.int("workers"),
                slots: try info.int("slots"), pid: Int32(clamping: try info.int("pid")), host: try info.string("host"),
                startedMicroseconds: Int64(try info.int("started_us"))
            ))
        }
        guard let totalsObject = object["totals"]?.objectValue else { throw MonitorError("field \"totals\" is missing") }
        let totalsFields = EventFields(object: totalsObject)
        update(try totalsFields.totals(), at: Int64(try totalsFields.int("at_us")))
        var rows: [WorkerRow] = []
        for value in try fields.array("workers") {
            guard let row = value.objectValue else { throw MonitorError("field \"workers\": expected objects") }
            let item = EventFields(object: row)
            var worker = WorkerRow(name: try item.string("worker"), host: try item.string("host"), joinedMicroseconds: Int64(try item.int("joined_us")))
            worker.done = try item.int("done")
            worker.failed = try item.int("failed")
            worker.busyMicroseconds = UInt64(max(try item.int("busy_us"), 0))
            worker.lostReason = row["lost"]?.stringValue
            worker.requeued = try item.int("requeued")
            rows.append(worker)
        }
        setWorkers(rows)
        for value in try fields.array("running") {
            guard let task = value.objectValue else { throw MonitorError("field \"running\": expected objects") }
            let item = EventFields(object: task)
            let id = try item.value("id")
            var running = RunningTask(id: id, worker: try item.string("worker"), startedMicroseconds: Int64(try item.int("started_us")))
            running.progressPermille = task["permille"]?.intValue
            running.progressMessage = task["message"]?.stringValue
            self.running[Self.key(for: id)] = running
        }
        for value in try fields.array("failures") {
            guard let task = value.objectValue else { throw MonitorError("field \"failures\": expected objects") }
            recentFailures.append(try Self.finished(from: task))
        }
        durationSumMicroseconds = UInt64(max(try fields.int("duration_sum_us"), 0))
        durationCount = try fields.int("duration_count")
        ending = object["ending"]?.stringValue
        endedMicroseconds = object["ended_us"]?.intValue.map(Int64.init)
    }

    static func finishedJSON(_ task: FinishedTask) -> JSONValue {
        .object(JSONObject([
            ("id", task.id), ("status", .string(task.status)), ("worker", .string(task.worker)),
            ("attempts", .number(JSONNumber(task.attempts))), ("started_us", .number(JSONNumber(Int(task.startedMicroseconds)))),
            ("duration_us", .number(JSONNumber(Int(clamping: task.durationMicroseconds)))),
            ("error", task.error.map { .string($0) } ?? .null),
            ("stderr_tail", task.stderrTail.map { .string($0) } ?? .null),
        ]))
    }

    static func finished(from object: JSONObject) throws(MonitorError) -> FinishedTask {
        let item = EventFields(object: object)
        return FinishedTask(
            id: try item.value("id"), status: try item.string("status"), worker: try item.string("worker"),
            attempts: try item.int("attempts"), startedMicroseconds: Int64(try item.int("started_us")),
            durationMicroseconds: UInt64(max(try item.int("duration_us"), 0)), error: object["error"]?.stringValue,
            stderrTail: object["stderr_tail"]?.stringValue
        )
    }
}

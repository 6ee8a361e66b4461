public import JSONValue
import Coordinator

/// One event of a job, as `EventEncoder` writes it and `jobrun tail --json` shows it.
///
/// | `event` | fields besides `seq`, `t_us`, `event` |
/// |---|---|
/// | `job_started` | `job`, `name`, `task_file`, `results`, `total`, `workers`, `slots`, `pid`, `host` |
/// | `worker_joined` | `worker`, `host` |
/// | `worker_lost` | `worker`, `reason`, `requeued` |
/// | `tasks_started` | `worker`, `ids` |
/// | `task_finished` | `id`, `status`, `worker`, `attempts`, `started_us`, `duration_us`, `error` (unless ok), `stderr_tail` (the last line of its stderr, unless ok and when it wrote one) |
/// | `output` | `id`, `stream` (`stdout`/`stderr`), `line`, `cut` (`true` when the line continues in the next) |
/// | `progress` | `id`, `worker`, `permille` (0–1000, when known), `message` |
/// | `totals` | `total`, `succeeded`, `failed` (every status but ok), `statuses` (`ok`, `failed`, `timeout`, `cancelled`, `skipped`), `workers`, `busy`, `elapsed_us`, and `waiting` when tasks wait for dependencies, pools or resources |
/// | `job_ended` | `ending`, and the fields of `totals` |
public enum JobEvent: Sendable, Equatable {
    case jobStarted(JobState.Info)
    case workerJoined(name: String, host: String)
    case workerLost(name: String, reason: String, requeued: Int)
    case tasksStarted(ids: [JSONValue], worker: String)
    case taskFinished(JobState.FinishedTask)
    case output(id: JSONValue, stream: String, line: String)
    case progress(id: JSONValue, worker: String, permille: Int?, message: String)
    case totals(JobState.Totals)
    case jobEnded(ending: String, totals: JobState.Totals)
    /// A kind this version does not know (written by a newer jobrun); skipped.
    case other(kind: String)
}

/// An event with its number and time.
public struct SequencedEvent: Sendable, Equatable {
    /// 1 for the job's first event, then consecutive.
    public var sequence: Int
    /// When it happened (microseconds since the Unix epoch).
    public var timeMicroseconds: Int64
    public var event: JobEvent

    /// Creates an event.
    public init(sequence: Int, timeMicroseconds: Int64, event: JobEvent) {
        self.sequence = sequence
        self.timeMicroseconds = timeMicroseconds
        self.event = event
    }

    /// Decodes one NDJSON line (without or with its newline).
    ///
    /// - Throws: `MonitorError` saying what is wrong: not JSON (with the column), or a missing or mistyped field.
    public init(line: ArraySlice<UInt8>) throws(MonitorError) {
        let value: JSONValue
        do {
            value = try line.withUnsafeBytes { raw in try JSONParser.parse(raw) }
        } catch let error as JSONSyntaxError {
            throw MonitorError("not JSON: column \(error.column): \(error.message)")
        } catch {
            throw MonitorError("not JSON: \(error)")
        }
        guard let object = value.objectValue else { throw MonitorError("expected a JSON object, got \(value.typeName)") }
        try self.init(object: object)
    }

    /// Decodes an event object.
    ///
    /// - Throws: `MonitorError` naming the first missing or mistyped field.
    public init(object: JSONObject) throws(MonitorError) {
        let fields = EventFields(object: object)
        sequence = try fields.int("seq")
        timeMicroseconds = Int64(try fields.int("t_us"))
        let kind = try fields.string("event")
        switch kind {
        case "job_started":
            event = .jobStarted(JobState.Info(
                jobID: try fields.string("job"), name: try fields.string("name"), taskFile: try fields.string("task_file"),
                resultsPath: try fields.string("results"), total: try fields.int("total"), workers: try fields.int("workers"),
                slots: try fields.int("slots"), pid: Int32(clamping: try fields.int("pid")), host: try fields.string("host"),
                startedMicroseconds: timeMicroseconds
            ))
        case "worker_joined":
            event = .workerJoined(name: try fields.string("worker"), host: try fields.string("host"))
        case "worker_lost":
            event = .workerLost(name: try fields.string("worker"), reason: try fields.string("reason"), requeued: try fields.int("requeued"))
        case "tasks_started":
            event = .tasksStarted(ids: try fields.array("ids"), worker: try fields.string("worker"))
        case "task_finished":
            event = .taskFinished(JobState.FinishedTask(
                id: try fields.value("id"), status: try fields.string("status"), worker: try fields.string("worker"),
                attempts: try fields.int("attempts"), startedMicroseconds: Int64(try fields.int("started_us")),
                durationMicroseconds: UInt64(max(try fields.int("duration_us"), 0)), error: object["error"]?.stringValue,
                stderrTail: object["stderr_tail"]?.stringValue
            ))
        case "output":
            event = .output(id: try fields.value("id"), stream: try fields.string("stream"), line: try fields.string("line"))
        case "progress":
            event = .progress(
                id: try fields.value("id"), worker: try fields.string("worker"), permille: object["permille"]?.intValue,
                message: try fields.string("message")
            )
        case "totals":
            event = .totals(try fields.totals())
        case "job_ended":
            event = .jobEnded(ending: try fields.string("ending"), totals: try fields.totals())
        default:
            event = .other(kind: kind)
        }
    }
}

/// Typed field access with messages naming the field.
struct EventFields {
    let object: JSONObject

    func value(_ key: String) throws(MonitorError) -> JSONValue {
        guard let value = object[key] else { throw MonitorError("field \"\(key)\" is missing") }
        return value
    }

    func string(_ key: String) throws(MonitorError) -> String {
        let value = try value(key)
        guard let text = value.stringValue else { throw MonitorError("field \"\(key)\": expected a string, got \(value.typeName)") }
        return text
    }

    func int(_ key: String) throws(MonitorError) -> Int {
        let value = try value(key)
        guard let number = value.intValue else { throw MonitorError("field \"\(key)\": expected an integer, got \(value.typeName)") }
        return number
    }

    func array(_ key: String) throws(MonitorError) -> [JSONValue] {
        let value = try value(key)
        guard let elements = value.arrayValue else { throw MonitorError("field \"\(key)\": expected an array, got \(value.typeName)") }
        return elements
    }

    func totals() throws(MonitorError) -> JobState.Totals {
        JobState.Totals(
            total: try int("total"), succeeded: try int("succeeded"), failed: try int("failed"),
            workers: try int("workers"), busyWorkers: try int("busy"),
            elapsedMicroseconds: UInt64(max(try int("elapsed_us"), 0)), waiting: (try? string("waiting")) ?? "",
            statuses: StatusCounts(json: object["statuses"])
        )
    }
}

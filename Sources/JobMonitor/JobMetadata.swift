public import JSONValue
public import Coordinator
import SystemIO

/// Where a job stands, as its coordinator last recorded it in `job.json`.
public enum JobRunState: String, Sendable, Equatable {
    /// The coordinator is checking the task file; nothing runs yet.
    case starting
    /// Tasks are running.
    case running
    /// Every task has a result.
    case completed
    /// Stopped by Ctrl-C, SIGTERM or `jobrun cancel`.
    case interrupted
    /// No worker was left to run the remaining tasks.
    case noWorkers = "no-workers"
    /// The task file or the options had problems; nothing ran.
    case rejected
    /// The coordinator failed (see its log).
    case failed

    /// Whether the coordinator is expected to be alive in this state.
    public var isActive: Bool { self == .starting || self == .running }
}

/// The content of a job's `job.json`: what the job is (task file, settings, results file), which process runs it,
/// how to reach it (control and events endpoints) and its last recorded state and counts.
///
/// Written by the job's coordinator (atomically, so readers never see half a file) when it starts, every few
/// seconds while it runs, and when it ends. A value type.
public struct JobMetadata: Sendable, Equatable {
    /// The job id.
    public var id: String
    /// A short name for listings: the task file's name.
    public var name: String
    /// The task file, as an absolute path.
    public var taskFile: String
    /// The settings file given with `--config`, as an absolute path.
    public var settingsPath: String?
    /// The results file, as an absolute path (`-` for standard output).
    public var resultsPath: String
    /// The coordinator's process id (0 before it is known).
    public var pid: Int32
    /// The coordinator's start time from `/proc` (see `ProcessProbe`), to tell it from a later process with its pid.
    public var pidStartTime: UInt64?
    /// The host the coordinator runs on.
    public var host: String
    /// Local worker processes.
    public var workers: Int
    /// Slots per worker.
    public var slots: Int
    /// Whether the job was started with `--detach`.
    public var detached: Bool
    /// Whether tasks' output lines are recorded as `output` events as they are written (`--stream-output`).
    public var streamOutput: Bool
    /// The coordinator's control endpoint (snapshot, cancel) while it runs.
    public var controlEndpoint: String?
    /// The coordinator's event publisher endpoint while it runs.
    public var eventsEndpoint: String?
    /// The last recorded state.
    public var state: JobRunState
    /// When the job was submitted (microseconds since the Unix epoch).
    public var createdMicroseconds: Int64
    /// When tasks started to run.
    public var startedMicroseconds: Int64?
    /// When the job ended.
    public var endedMicroseconds: Int64?
    /// Tasks in the task file (0 before the file is checked).
    public var total: Int
    /// Tasks recorded as succeeded, as of the last update.
    public var succeeded: Int
    /// Tasks recorded other than ok, as of the last update.
    public var failed: Int
    /// Recorded tasks by status, as of the last update (a job.json written without them counts `succeeded` ok and
    /// `failed` failed).
    public var statuses: StatusCounts
    /// The coordinator's exit status, once it exited normally.
    public var exitStatus: Int32?

    /// A job that is about to start.
    public init(
        id: String, taskFile: String, settingsPath: String?, resultsPath: String, workers: Int, slots: Int,
        detached: Bool, streamOutput: Bool = false, createdMicroseconds: Int64
    ) {
        self.id = id
        self.name = taskFile.split(separator: "/").last.map(String.init) ?? taskFile
        self.taskFile = taskFile
        self.settingsPath = settingsPath
        self.resultsPath = resultsPath
        self.pid = 0
        self.pidStartTime = nil
        self.host = HostName.current()
        self.workers = workers
        self.slots = slots
        self.detached = detached
        self.streamOutput = streamOutput
        self.state = .starting
        self.createdMicroseconds = createdMicroseconds
        self.total = 0
        self.succeeded = 0
        self.failed = 0
        self.statuses = StatusCounts()
    }

    /// Tasks with a result.
    public var recorded: Int { succeeded + failed }

    /// Tasks without a result once the job is over (while it runs, some of them are running).
    public var notStarted: Int { max(total - recorded, 0) }

    /// The metadata as a JSON object (the content of `job.json`).
    public var json: JSONValue {
        func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        func optional(_ value: Int64?) -> JSONValue { value.map { .number(JSONNumber(Int($0))) } ?? .null }
        return .object(JSONObject([
            ("id", .string(id)), ("name", .string(name)), ("task_file", .string(taskFile)),
            ("settings", optional(settingsPath)), ("results", .string(resultsPath)),
            ("pid", .number(JSONNumber(Int(pid)))),
            ("pid_start", pidStartTime.map { .number(JSONNumber(Int(clamping: $0))) } ?? .null),
            ("host", .string(host)), ("workers", .number(JSONNumber(workers))), ("slots", .number(JSONNumber(slots))),
            ("detached", .bool(detached)), ("stream_output", .bool(streamOutput)), ("control", optional(controlEndpoint)), ("events", optional(eventsEndpoint)),
            ("state", .string(state.rawValue)), ("created_us", optional(createdMicroseconds)),
            ("started_us", optional(startedMicroseconds)), ("ended_us", optional(endedMicroseconds)),
            ("total", .number(JSONNumber(total))), ("succeeded", .number(JSONNumber(succeeded))),
            ("failed", .number(JSONNumber(failed))), ("statuses", statuses.json(notStarted: state.isActive ? nil : notStarted)),
            ("exit_status", exitStatus.map { .number(JSONNumber(Int($0))) } ?? .null),
        ]))
    }

    /// Reads metadata from `job.json`'s JSON.
    ///
    /// - Throws: `MonitorError` naming the first missing or mistyped field.
    public init(json: JSONValue) throws(MonitorError) {
        guard let object = json.objectValue else { throw MonitorError("expected a JSON object, got \(json.typeName)") }
        func string(_ key: String) throws(MonitorError) -> String {
            guard let value = object[key]?.stringValue else { throw MonitorError("field \"\(key)\" is missing or not a string") }
            return value
        }
        func integer(_ key: String) throws(MonitorError) -> Int {
            guard let value = object[key]?.intValue else { throw MonitorError("field \"\(key)\" is missing or not an integer") }
            return value
        }
        func optionalString(_ key: String) -> String? { object[key]?.stringValue }
        func optionalInteger(_ key: String) -> Int? { object[key]?.intValue }
        let stateText = try string("state")
        guard let state = JobRunState(rawValue: stateText) else { throw MonitorError("field \"state\" has an unknown value \"\(stateText)\"") }
        id = try string("id")
        name = try string("name")
        taskFile = try string("task_file")
        settingsPath = optionalString("settings")
        resultsPath = try string("results")
        pid = Int32(clamping: try integer("pid"))
        pidStartTime = optionalInteger("pid_start").map { UInt64(max($0, 0)) }
        host = try string("host")
        workers = try integer("workers")
        slots = try integer("slots")
        detached = object["detached"]?.boolValue ?? false
        streamOutput = object["stream_output"]?.boolValue ?? false
        controlEndpoint = optionalString("control")
        eventsEndpoint = optionalString("events")
        self.state = state
        createdMicroseconds = Int64(try integer("created_us"))
        startedMicroseconds = optionalInteger("started_us").map(Int64.init)
        endedMicroseconds = optionalInteger("ended_us").map(Int64.init)
        total = try integer("total")
        succeeded = try integer("succeeded")
        failed = try integer("failed")
        statuses = StatusCounts(json: object["statuses"]) ?? StatusCounts(ok: succeeded, failed: failed)
        exitStatus = optionalInteger("exit_status").map { Int32(clamping: $0) }
    }

    /// Reads a job's `job.json`.
    ///
    /// - Throws: `MonitorError` naming the file when it is missing, not JSON, or lacks a field.
    public static func read(from directory: JobDirectory) throws(MonitorError) -> JobMetadata {
        do {
            return try JobMetadata(json: try JSONParser.parse(try WholeFile.read(directory.metadataPath)))
        } catch let error as WholeFile.ReadError {
            throw MonitorError(error.description)
        } catch let error as JSONSyntaxError {
            throw MonitorError("\(directory.metadataPath): \(error)")
        } catch let error as MonitorError {
            throw MonitorError("\(directory.metadataPath): \(error)")
        } catch {
            throw MonitorError("\(directory.metadataPath): \(error)")
        }
    }

    /// Replaces a job's `job.json` with this metadata, atomically.
    ///
    /// - Throws: `MonitorError` naming the file when it cannot be written.
    public func write(to directory: JobDirectory) throws(MonitorError) {
        var bytes = json.serialized
        bytes.append(UInt8(ascii: "\n"))
        try FileText.writeAtomically(bytes, to: directory.metadataPath)
    }
}

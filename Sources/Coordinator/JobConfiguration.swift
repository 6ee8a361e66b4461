public import JobRunKit
public import Scheduler
public import TaskFile
public import Settings
public import TaskFile

/// Everything `jobrun submit` decided before the job starts.
public struct JobConfiguration {
    /// The task file (JSON or JSONL).
    public var taskFilePath: String
    /// Where result lines go; `-` is standard output.
    public var outputPath: String
    /// Replace an existing results file instead of refusing to touch it.
    public var overwriteOutput: Bool
    /// Local worker processes to start.
    public var workerCount: Int
    /// CPU slots per worker.
    public var slotsPerWorker: Int
    /// The program and leading arguments that start a worker (`jobrun worker` by default); the coordinator appends
    /// `--connect ENDPOINT`.
    public var workerCommand: [String]
    /// Tunables.
    public var settings: Settings
    /// Show nothing but errors.
    public var quiet: Bool
    /// The task kinds the coordinator checks `run` fields against before starting.
    public var handlers: HandlerRegistry
    /// Watchers of the job (event log, live views); none by default.
    public var observers: [any JobObserver] = []
    /// Retries for tasks that do not set `retries` (neither themselves nor in the file's defaults).
    public var defaultRetries = 0
    /// Timeout in seconds for tasks that do not set `timeout`.
    public var defaultTimeout: Double?
    /// Memory limit in bytes for tasks that do not set `memory` (`--memory`).
    public var defaultMemoryLimitBytes: UInt64?
    /// Continue an earlier run: skip tasks the results file already records as ok with an unchanged definition.
    public var resume = false
    /// With `resume`, also run again the tasks recorded as failed.
    public var rerunFailed = false
    /// Serve workers on other machines over TCP (`--listen`, `--hosts`); `nil` keeps everything on local ipc.
    public var network: NetworkConfiguration?
    /// IO-bound tasks per worker at once (`--io-concurrency`); `nil` takes the settings' `io_concurrency`.
    public var ioConcurrency: Int?
    /// Workers run a program other than this jobrun (`--worker-command`): kinds the coordinator does not know are
    /// left for the workers to check.
    public var customWorker = false
    /// Exec/shell tasks' output lines are sent as they are written (`--stream-output`), to the observers.
    public var streamOutput = false
    /// With `streamOutput`, also print the lines tagged with their task id: stdout lines on standard output (standard
    /// error when the results go there), stderr lines on standard error.
    public var showStreamedOutput = false
    /// The command that runs what this job leaves unrun (see `ResumeCommand`), for the summary.
    public var resumeCommand = "jobrun submit --resume"

    /// The tasks, when they come from somewhere other than `taskFilePath` (`jobrun run`'s inputs).
    public var taskSource: (any TaskSource)?
    /// Print each task's output as a block when it ends, as `jobrun run` does; `nil` keeps it in the results only.
    public var taskOutput: TaskOutputMode?
    /// What starts each streamed line that `showStreamedOutput` prints.
    public var streamedLineTag = StreamedLineTag.taskID
    /// Stop the job early when its counts meet this condition (`--halt`).
    public var halt: HaltPolicy?
    /// Whether the summary names the results file (`jobrun run` without `--results` keeps none).
    public var keepsResults = true

    /// Pools declared with `--pool` (they override the task file's pools of the same name).
    public var pools: [String: PoolLimit] = [:]
    /// Labels of the local workers (`--label`).
    public var labels: [String: String] = [:]
    /// Custom resources of this host, shared by its local workers (`--resources`).
    public var resources: [String: Int] = [:]
    /// GPUs of this host (`--gpus`); `nil` counts `/dev/nvidia[0-9]*`.
    public var gpus: Int?
    /// No task starts on a host whose free memory is below this (`--memfree`).
    public var memfreeBytes: UInt64?

    public init(
        taskFilePath: String, outputPath: String, overwriteOutput: Bool = false, workerCount: Int,
        slotsPerWorker: Int = 1, workerCommand: [String], settings: Settings, quiet: Bool = false,
        handlers: HandlerRegistry = .builtIn
    ) {
        self.taskFilePath = taskFilePath
        self.outputPath = outputPath
        self.overwriteOutput = overwriteOutput
        self.workerCount = workerCount
        self.slotsPerWorker = slotsPerWorker
        self.workerCommand = workerCommand
        self.settings = settings
        self.quiet = quiet
        self.handlers = handlers
    }

    /// The default results path for a task file: `<stem>.results.jsonl` beside it.
    /// Standard input (`-`) and device paths (`/dev/stdin`, `/dev/fd/63`), which have no directory to write
    /// beside, get `<name>.results.jsonl` in the current directory (`stdin.results.jsonl` for `-`).
    public static func defaultOutputPath(forTaskFile path: String) -> String {
        if path == "-" { return "stdin.results.jsonl" }
        if path.hasPrefix("/dev/") || path.hasPrefix("/proc/") {
            return (path.split(separator: "/").last.map(String.init) ?? "stdin") + ".results.jsonl"
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let stem = name.lastIndex(of: ".").map { $0 == name.startIndex ? name : String(name[..<$0]) } ?? name
        return directory + stem + ".results.jsonl"
    }
}

/// Process exit statuses of `jobrun submit`.
public enum SubmitExitCode {
    /// Every task succeeded.
    public static let success: Int32 = 0
    /// At least one task failed, or the job could not finish (no worker left).
    public static let failures: Int32 = 1
    /// Bad usage or bad input: nothing ran.
    public static let usage: Int32 = 2
    /// Interrupted by Ctrl-C or SIGTERM.
    public static let interrupted: Int32 = 130
}

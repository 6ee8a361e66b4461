/// Every message the coordinator and its workers exchange.
///
/// Channels (see the README's architecture section):
/// - register (worker DEALER -> coordinator ROUTER): `hello`, answered by `welcome` or `refusal`;
/// - tasks (coordinator PUSH -> worker PULL, one pair per worker): `assign`, `reclaim`, `heartbeat`, `drain`,
///   `shutdown`, `outputCredit`;
/// - results (worker PUSH -> coordinator PULL, shared): `ready`, `results`, `returned`, `heartbeat`, `progress`,
///   `output`.
///
/// A frame is `[version][type][body]`. A `refusal` keeps its layout in every version, so a worker of another
/// version can still read why it was turned away.
public enum WireMessage: Sendable, Equatable {
    /// A worker introduces itself.
    case hello(Hello)
    /// The coordinator admits a worker and tells it where to connect.
    case welcome(Welcome)
    /// The coordinator turns a worker away, with a reason meant for its user.
    case refusal(reason: String)
    /// A worker has connected its task and result sockets and can take work.
    case ready(workerID: UInt32)
    /// Tasks for a worker to run, in order.
    case assign([TaskAssignment])
    /// Tasks that began running since the last report (sequence, attempt) and finished tasks, batched.
    case results(workerID: UInt32, started: [StartedTask], [TaskResult])
    /// Tasks a draining worker gives back without having started them.
    case returned(workerID: UInt32, sequences: [UInt64])
    /// Liveness: from the coordinator `workerID` is 0; from a worker it is the worker's id, with its host's available
    /// memory (`MemAvailable`) when the worker could read it, for `--memfree` on hosts other than the coordinator's.
    case heartbeat(workerID: UInt32, availableMemoryBytes: UInt64? = nil)
    /// Stop starting tasks: finish the running ones, give back the rest. `cancelRunning` also
    /// terminates running tasks after `graceMilliseconds`.
    case drain(graceMilliseconds: UInt32, cancelRunning: Bool)
    /// Exit now.
    case shutdown
    /// How far running tasks have come, as their handlers report it (latest report per task).
    case progress(workerID: UInt32, [ProgressReport])
    /// Give back up to `count` tasks not yet started (the most recently queued first), answered by `returned`
    /// (possibly empty). Lets an idle worker take over work another worker holds but has not begun.
    case reclaim(count: UInt32)
    /// Whole lines running tasks wrote, in order per task and stream, when the job streams output (`Welcome`).
    /// A worker sends a task's lines before its result.
    case output(workerID: UInt32, [TaskOutputLine])
    /// The coordinator has handled `handledBytes` bytes of this worker's `output` frames in all. A worker keeps at
    /// most `outputWindowBytes` of output frames unhandled, so a chatty task cannot flood the coordinator.
    case outputCredit(handledBytes: UInt64)

    /// How many bytes of `output` frames a worker may have sent that the coordinator has not yet handled.
    public static let outputWindowBytes: UInt64 = 1 << 20

    /// The protocol version this build speaks.
    public static let protocolVersion: UInt8 = 4
}

/// What a worker says about itself when it registers.
public struct Hello: Sendable, Equatable {
    /// The protocol version the worker speaks.
    public var protocolVersion: UInt8
    /// The worker's host name (at most `maximumHostBytes`: it is shown in progress lines, summaries and logs).
    public var host: String
    /// The worker's process id.
    public var pid: Int32
    /// How many CPU-bound tasks the worker runs at once.
    public var slots: UInt32
    /// How many IO-bound tasks the worker keeps in flight.
    public var ioConcurrency: UInt32
    /// A token that ties a locally spawned worker to its coordinator (empty for others).
    public var token: String
    /// What the worker and its host offer tasks beyond CPU slots (`jobrun worker --label/--resources/--gpus`).
    public var offer: HostOffer

    /// The longest host name a worker may report, in bytes (Linux allows 64; Slurm node names are also short).
    public static let maximumHostBytes = 255

    public init(
        protocolVersion: UInt8 = WireMessage.protocolVersion, host: String, pid: Int32, slots: UInt32,
        ioConcurrency: UInt32 = 256, token: String, offer: HostOffer = HostOffer()
    ) {
        self.offer = offer
        self.ioConcurrency = ioConcurrency
        self.protocolVersion = protocolVersion
        self.host = host
        self.pid = pid
        self.slots = slots
        self.token = token
    }
}

/// What a worker declares when it registers: its labels, and its host's GPUs, custom resources and physical memory.
/// Workers reporting the same host name share the host's GPUs, resources and memory.
///
/// The limits bound what one registration can make a coordinator keep; the decoder refuses a `hello` beyond them.
public struct HostOffer: Sendable, Equatable {
    /// Labels of the worker, by name; a task with `requires` runs only on a worker that has them.
    public var labels: [String: String]
    /// Custom resources of the host, by name.
    public var resources: [String: UInt32]
    /// GPUs of the host, numbered from 0.
    public var gpus: UInt32
    /// The host's physical memory (`MemTotal`), for tasks that reserve memory; `nil` when unknown.
    public var memoryBytes: UInt64?
    /// The host's free memory (`MemAvailable`) as the worker registers, so `--memfree` holds from its first task
    /// (heartbeats report it afterwards); `nil` when unknown.
    public var availableMemoryBytes: UInt64?

    /// The most labels, and the most resources, one worker may declare.
    public static let maximumEntries = 64
    /// The longest label or resource name, and label value, in bytes.
    public static let maximumNameBytes = 200
    /// The most GPUs a host may declare.
    public static let maximumGPUs: UInt32 = 1024
    /// The largest amount of one custom resource.
    public static let maximumResourceAmount: UInt32 = 1_000_000

    public init(
        labels: [String: String] = [:], resources: [String: UInt32] = [:], gpus: UInt32 = 0, memoryBytes: UInt64? = nil,
        availableMemoryBytes: UInt64? = nil
    ) {
        self.availableMemoryBytes = availableMemoryBytes
        self.labels = labels
        self.resources = resources
        self.gpus = gpus
        self.memoryBytes = memoryBytes
    }
}

/// The coordinator's answer to a welcome worker: its id, where to connect, and the job's settings it needs.
public struct Welcome: Sendable, Equatable {
    public var workerID: UInt32
    /// The endpoint of this worker's own task socket (coordinator PUSH, bound).
    public var taskEndpoint: String
    /// The endpoint of the shared result socket (coordinator PULL, bound).
    public var resultEndpoint: String
    /// How often each side sends a heartbeat.
    public var heartbeatMilliseconds: UInt32
    /// How many missed heartbeats make the other side presumed gone.
    public var heartbeatMisses: UInt32
    /// Bytes of stdout and of stderr kept per exec/shell task.
    public var outputCapBytes: UInt32
    /// After a task's processes get SIGTERM (timeout, cancel), how long before SIGKILL.
    public var killGraceMilliseconds: UInt32
    /// Whether exec/shell tasks' output lines are sent as they are written (`output` messages).
    public var streamOutput: Bool
    /// The largest frame the coordinator accepts on the result channel (`max_frame_bytes`): ZeroMQ drops a bigger one
    /// without a word, so a worker never sends one (a result too big for it becomes a failure saying so).
    public var maxFrameBytes: UInt64

    public init(
        workerID: UInt32, taskEndpoint: String, resultEndpoint: String,
        heartbeatMilliseconds: UInt32, heartbeatMisses: UInt32, outputCapBytes: UInt32, killGraceMilliseconds: UInt32,
        streamOutput: Bool = false, maxFrameBytes: UInt64 = 64 << 20
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.killGraceMilliseconds = killGraceMilliseconds
        self.streamOutput = streamOutput
        self.workerID = workerID
        self.taskEndpoint = taskEndpoint
        self.resultEndpoint = resultEndpoint
        self.heartbeatMilliseconds = heartbeatMilliseconds
        self.heartbeatMisses = heartbeatMisses
        self.outputCapBytes = outputCapBytes
    }
}

/// One task sent to a worker.
public struct TaskAssignment: Sendable, Equatable {
    /// The coordinator's handle for the task (its position in the task file).
    public var sequence: UInt64
    /// Which execution of the task this is, from 1.
    public var attempt: UInt32
    /// The task's specification as compact JSON (exec/shell/run and their fields).
    public var spec: [UInt8]

    public init(sequence: UInt64, attempt: UInt32, spec: [UInt8]) {
        self.sequence = sequence
        self.attempt = attempt
        self.spec = spec
    }
}

/// A running task's progress: `permille` from 0 to 1000 (or `nil`), and what it is doing.
public struct ProgressReport: Sendable, Equatable {
    public var sequence: UInt64
    public var permille: UInt32?
    public var message: String
    public init(sequence: UInt64, permille: UInt32?, message: String) {
        self.sequence = sequence
        self.permille = permille
        self.message = message
    }
}

/// A task that began running on a worker.
public struct StartedTask: Sendable, Equatable {
    public var sequence: UInt64
    public var attempt: UInt32
    public init(sequence: UInt64, attempt: UInt32) {
        self.sequence = sequence
        self.attempt = attempt
    }
}

/// How a task ended, as its worker saw it.
public enum TaskOutcome: UInt8, Sendable, Equatable, CaseIterable {
    /// It succeeded.
    case ok = 0
    /// Its command exited with a non-zero status.
    case exit = 1
    /// Its command was killed by a signal.
    case signal = 2
    /// It ran past its timeout and was stopped.
    case timeout = 3
    /// It could not start, or a built-in kind threw.
    case error = 4
    /// It was stopped because the job was cancelled.
    case cancelled = 5
    /// It went over its memory limit, or the kernel's out-of-memory killer ended it.
    case memory = 6

    /// The name used in result lines (`failure` field).
    public var name: String {
        switch self {
        case .ok: "ok"
        case .exit: "exit"
        case .signal: "signal"
        case .timeout: "timeout"
        case .error: "error"
        case .cancelled: "cancelled"
        case .memory: "memory"
        }
    }
}

/// One finished task, as a worker reports it.
public struct TaskResult: Sendable, Equatable {
    public var sequence: UInt64
    public var attempt: UInt32
    /// How it ended.
    public var outcome: TaskOutcome
    /// Whether running it again might succeed (false for a command that cannot be started, bad arguments, ...).
    public var retryable: Bool
    /// When it started, in microseconds since the Unix epoch (UTC).
    public var startedAtMicroseconds: Int64
    /// How long it ran.
    public var durationMicroseconds: UInt64
    /// A JSON object whose members complete the result line (`result`, or `exit_code`/`stdout`/...; `error`).
    /// The coordinator validates it before writing it anywhere.
    public var body: [UInt8]

    public init(
        sequence: UInt64, attempt: UInt32, outcome: TaskOutcome, retryable: Bool = true,
        startedAtMicroseconds: Int64, durationMicroseconds: UInt64, body: [UInt8]
    ) {
        self.sequence = sequence
        self.attempt = attempt
        self.outcome = outcome
        self.retryable = retryable
        self.startedAtMicroseconds = startedAtMicroseconds
        self.durationMicroseconds = durationMicroseconds
        self.body = body
    }

    /// Whether the task succeeded.
    public var succeeded: Bool { outcome == .ok }
}

/// One line a running task wrote.
public struct TaskOutputLine: Sendable, Equatable {
    /// Which of a task's output streams.
    public enum Stream: UInt8, Sendable, Equatable {
        case stdout = 0
        case stderr = 1
    }

    public var sequence: UInt64
    public var attempt: UInt32
    public var stream: Stream
    /// The line without its newline (not necessarily UTF-8).
    public var text: [UInt8]
    /// The line was longer than the worker's line limit: this is its start, and the rest follows in the next line(s).
    public var cut: Bool

    public init(sequence: UInt64, attempt: UInt32, stream: Stream, text: [UInt8], cut: Bool = false) {
        self.sequence = sequence
        self.attempt = attempt
        self.stream = stream
        self.text = text
        self.cut = cut
    }
}

/// The tunable settings of a job, as read from a settings file (`config/jobrun.conf` documents every key).
///
/// Values here are the built-in defaults; a settings file overrides any subset of them.
public struct Settings: Sendable, Equatable {
    /// Most tasks sent to a worker in one message.
    public var maxBatch = 1024
    /// How much work, in microseconds of measured task time, a worker should hold beyond its running tasks.
    /// Short tasks travel many to a message; tasks longer than this are sent one at a time.
    public var prefetchTargetMicroseconds = 20_000
    /// Tasks a worker may hold beyond its slots before any task duration has been measured.
    public var initialPrefetch = 1
    /// Tasks the coordinator reads ahead of dispatch (the in-memory window of a streamed task file).
    public var readAhead = 8192
    /// How often coordinator and workers send heartbeats.
    public var heartbeatMilliseconds = 1000
    /// Missed heartbeats after which the other side is presumed gone.
    public var heartbeatMisses = 3
    /// Bytes of stdout and of stderr kept per exec/shell task.
    public var outputCapBytes = 65_536
    /// After Ctrl-C, how long running tasks may go on before they are terminated.
    public var interruptGraceMilliseconds = 3000
    /// How long a worker waits for a task's child processes to exit after SIGTERM before SIGKILL.
    public var killGraceMilliseconds = 2000
    /// Slowest redraw of the live progress line on a terminal.
    public var progressRefreshMilliseconds = 100
    /// How often a plain progress line is printed when stderr is not a terminal.
    public var plainProgressMilliseconds = 5000
    /// How long to wait for local workers to register before giving up.
    public var workerStartTimeoutMilliseconds = 15_000
    /// Largest frame accepted on any socket; bigger frames are dropped by ZeroMQ.
    public var maxFrameBytes = 64 * 1024 * 1024
    /// Worker deaths while running a task after which the task is recorded as failed (class `worker-lost`).
    public var poisonLimit = 3
    /// Delay before a failed task's first retry; each further retry doubles it (with jitter).
    public var retryBackoffMilliseconds = 1000
    /// The longest delay between retries.
    public var retryBackoffMaxMilliseconds = 60_000
    /// Local workers in a row that may die before finishing any task, while no task finishes anywhere, before lost
    /// workers stop being replaced (a crash loop). Workers that finished a task are always replaced.
    public var crashLoopLimit = 10
    /// Delay before replacing a worker that died without finishing a task; doubled for each such death in a row.
    public var restartBackoffMilliseconds = 100
    /// The longest delay before a replacement.
    public var restartBackoffMaxMilliseconds = 30_000
    /// IO-bound tasks a worker keeps in flight (and IO subtasks at once across them).
    public var ioConcurrency = 256
    /// 1: keep the job's state directory and event log (for `jobrun status`, `tail`, `cancel`, `report`);
    /// 0: do not (slightly faster for huge jobs of tiny tasks; the job cannot be watched from elsewhere).
    public var recordEvents = 1
    /// Connections a worker's HTTP client opens to one host at most: a few, as browsers and curl keep, so a server
    /// jobrun does not own is not flooded; raise it for servers built for more.
    public var httpConnectionsPerHost = 8
    /// 1: stream exec/shell tasks' output lines as they are written, as `--stream-output` does; 0: do not.
    public var streamOutput = 0
    /// Warnings about the file that was read (keys that no longer do anything), each naming the file and line.
    public var warnings: [String] = []
    /// Where to serve Prometheus metrics and the live dashboard (`--metrics`); `nil`: nowhere.
    public var metrics: MetricsAddress?
    /// The most bytes of streamed task output lines a job's event log keeps; later lines are counted, not logged.
    public var outputLogBytes = 256 << 20

    /// The built-in defaults.
    public init() {}

    /// Every key a settings file may set, with how to apply it. Key paths are immutable values, so sharing this
    /// constant across threads is safe.
    nonisolated(unsafe) static let keys: [String: WritableKeyPath<Settings, Int>] = [
        "max_batch": \.maxBatch,
        "prefetch_target_us": \.prefetchTargetMicroseconds,
        "initial_prefetch": \.initialPrefetch,
        "read_ahead": \.readAhead,
        "heartbeat_ms": \.heartbeatMilliseconds,
        "heartbeat_misses": \.heartbeatMisses,
        "output_cap_bytes": \.outputCapBytes,
        "interrupt_grace_ms": \.interruptGraceMilliseconds,
        "kill_grace_ms": \.killGraceMilliseconds,
        "progress_refresh_ms": \.progressRefreshMilliseconds,
        "plain_progress_ms": \.plainProgressMilliseconds,
        "worker_start_timeout_ms": \.workerStartTimeoutMilliseconds,
        "max_frame_bytes": \.maxFrameBytes,
        "poison_limit": \.poisonLimit,
        "retry_backoff_ms": \.retryBackoffMilliseconds,
        "retry_backoff_max_ms": \.retryBackoffMaxMilliseconds,
        "crash_loop_limit": \.crashLoopLimit,
        "restart_backoff_ms": \.restartBackoffMilliseconds,
        "restart_backoff_max_ms": \.restartBackoffMaxMilliseconds,
        "io_concurrency": \.ioConcurrency,
        "record_events": \.recordEvents,
        "http_connections_per_host": \.httpConnectionsPerHost,
        "stream_output": \.streamOutput,
        "output_log_bytes": \.outputLogBytes,
    ]

    /// The smallest value each key accepts (all keys are integers).
    static let minimums: [String: Int] = [
        "max_batch": 1, "heartbeat_ms": 50, "heartbeat_misses": 2, "output_cap_bytes": 0, "read_ahead": 1,
        "progress_refresh_ms": 10, "plain_progress_ms": 100, "worker_start_timeout_ms": 100,
        "max_frame_bytes": 65_536, "output_log_bytes": 0, "poison_limit": 1, "io_concurrency": 1, "http_connections_per_host": 1,
        "crash_loop_limit": 1,
    ]

    /// The largest value each key accepts: beyond these a value is surely a mistake, and it could overflow the
    /// arithmetic or the 32-bit fields it travels in. Keys not listed take `defaultMaximum`.
    static let maximums: [String: Int] = [
        "max_batch": 1_000_000, "prefetch_target_us": 3_600_000_000, "initial_prefetch": 1_000_000,
        "read_ahead": 10_000_000, "heartbeat_ms": 3_600_000, "heartbeat_misses": 1000,
        "output_cap_bytes": 1 << 30, "interrupt_grace_ms": 86_400_000, "kill_grace_ms": 3_600_000,
        "progress_refresh_ms": 3_600_000, "plain_progress_ms": 86_400_000, "worker_start_timeout_ms": 86_400_000,
        "max_frame_bytes": 1 << 30, "poison_limit": 1000, "retry_backoff_ms": 86_400_000,
        "retry_backoff_max_ms": 86_400_000, "crash_loop_limit": 1_000_000, "restart_backoff_ms": 3_600_000,
        "restart_backoff_max_ms": 86_400_000, "io_concurrency": 100_000, "record_events": 1,
        "http_connections_per_host": 100_000, "stream_output": 1, "output_log_bytes": 1 << 40,
    ]
    static let defaultMaximum = 1_000_000_000

    /// Keys that are still read but no longer do anything, with what to use instead.
    static let retiredKeys: [String: String] = [
        "max_worker_restarts":
            "lost workers are now replaced for as long as the job has work; crash_loop_limit, restart_backoff_ms and "
            + "restart_backoff_max_ms decide when a crash loop stops that. Remove the line"
    ]
}

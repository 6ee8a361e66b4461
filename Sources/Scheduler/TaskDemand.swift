/// What a task needs beyond one CPU slot of any worker: a pool, more CPU slots, GPUs, custom host resources,
/// worker labels, memory. Tasks with the plain demand take the scheduler's fast path.
public struct TaskDemand: Sendable, Hashable {
    /// The index of its pool in `SchedulerState.Configuration.pools`.
    public var pool: Int?
    /// CPU slots of one worker (ignored for IO-bound tasks, which hold none).
    public var cpus: Int
    /// GPUs of the worker's host.
    public var gpus: Int
    /// Custom resources of the worker's host, by name.
    public var resources: [String: Int]
    /// Labels the worker must have, with these values.
    public var requires: [String: String]
    /// Memory reserved on the worker's host while the task runs, in bytes.
    public var memoryBytes: UInt64

    public init(
        pool: Int? = nil, cpus: Int = 1, gpus: Int = 0, resources: [String: Int] = [:], requires: [String: String] = [:],
        memoryBytes: UInt64 = 0
    ) {
        self.pool = pool
        self.cpus = max(cpus, 1)
        self.gpus = max(gpus, 0)
        self.resources = resources.filter { $0.value > 0 }
        self.requires = requires
        self.memoryBytes = memoryBytes
    }

    /// One CPU slot, nothing else.
    public static let plain = TaskDemand()
}

/// What a worker offers beyond its slots: its host (whose GPUs, custom resources and memory its workers share),
/// its labels, and the host's totals as declared by the first of its workers to join.
public struct WorkerCapacity: Sendable, Hashable {
    /// The host's name; workers with the same name share the host's GPUs, resources and memory.
    public var host: String
    public var labels: [String: String]
    /// GPUs of the host, numbered from 0.
    public var gpus: Int
    /// Custom resources of the host.
    public var resources: [String: Int]
    /// Memory the host has for tasks that reserve some; `nil`: unknown, so reservations are not limited.
    public var memoryBytes: UInt64?

    public init(
        host: String = "", labels: [String: String] = [:], gpus: Int = 0, resources: [String: Int] = [:],
        memoryBytes: UInt64? = nil
    ) {
        self.host = host
        self.labels = labels
        self.gpus = gpus
        self.resources = resources
        self.memoryBytes = memoryBytes
    }
}

/// What an earlier run recorded for a task whose definition is unchanged (`--resume`).
public enum EarlierOutcome: Sendable, Equatable {
    case ok
    /// Any other status (failed, timeout, cancelled, skipped).
    case notOK
}

/// A pool as the scheduler sees it: its name (for messages) and limits.
public struct PoolConfiguration: Sendable, Equatable {
    public var name: String
    /// Tasks of the pool running at once.
    public var limit: Int
    /// Starts of the pool's tasks in any one second; `nil`: no rate limit.
    public var perSecond: Int?

    public init(name: String, limit: Int, perSecond: Int? = nil) {
        self.name = name
        self.limit = max(limit, 1)
        self.perSecond = perSecond.map { max($0, 1) }
    }
}

/// Why tasks are not running yet, for `tail`, `status` and the progress line.
public struct WaitingCounts: Sendable, Equatable {
    /// Waiting for tasks named in `after`.
    public var dependencies = 0
    /// Waiting for room in their pool (its limit or its rate).
    public var pools = 0
    /// Waiting for a worker with enough free CPU slots, GPUs, resources or memory.
    public var resources = 0
    /// No connected worker could ever run them (labels, or more than any worker or host has).
    public var unplaceable = 0
    /// Hosts whose free memory is below `--memfree` (none start tasks), by name.
    public var lowMemoryHosts: [LowMemoryHost] = []

    public init() {}
}

/// A host whose free memory, as last measured there, is below `--memfree`.
public struct LowMemoryHost: Sendable, Equatable {
    public var host: String
    public var freeBytes: UInt64

    public init(host: String, freeBytes: UInt64) {
        self.host = host
        self.freeBytes = freeBytes
    }
}

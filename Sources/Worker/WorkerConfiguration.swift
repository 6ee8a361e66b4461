public import JobRunKit
public import WireProtocol

/// How a worker process connects and what it offers.
public struct WorkerConfiguration: Sendable {
    /// The coordinator's register endpoint, such as `ipc:///run/user/0/jobrun-x/register` or `tcp://host:7700`.
    public var registerEndpoint: String
    /// CPU-bound tasks run at once.
    public var slots: Int
    /// The token a coordinator gave the workers it spawned (empty otherwise).
    public var token: String
    /// The coordinator's pid for a locally spawned worker: the worker exits as soon as its parent changes.
    public var parentPID: Int32?
    /// The task kinds this worker runs.
    public var handlers: HandlerRegistry
    /// CURVE credentials for a coordinator on another machine; `nil` for local ipc workers and `--insecure`.
    public var curve: CurveClientKeys?
    /// How long to wait for the coordinator's welcome.
    public var registrationTimeoutMilliseconds: Int
    /// Registering again for a host agent after serving: no welcome in time ends the worker without a message
    /// (the agent says that no coordinator came back).
    public var rejoining = false
    /// IO-bound tasks in flight at once, and IO subtasks (`gather`) at once across them.
    public var ioConcurrency: Int = 256
    /// Connections the shared HTTP client opens to one host at most.
    public var httpConnectionsPerHost: Int = 256
    /// What this worker declares when it registers: labels, and its host's GPUs, resources and memory.
    public var offer = HostOffer()
    /// Whether `hello` and heartbeats carry the host's available memory: a coordinator on another host cannot read it.
    public var reportsAvailableMemory = false

    public init(
        registerEndpoint: String, slots: Int = 1, token: String = "", parentPID: Int32? = nil,
        handlers: HandlerRegistry = .builtIn, registrationTimeoutMilliseconds: Int = 15_000
    ) {
        self.registerEndpoint = registerEndpoint
        self.slots = slots
        self.token = token
        self.parentPID = parentPID
        self.handlers = handlers
        self.registrationTimeoutMilliseconds = registrationTimeoutMilliseconds
    }
}

public import JSONValue

/// Everything a worker needs to run one task (the task's id travels separately).
///
/// The wire form (`json`, `init(json:)`) uses the task-file field names: `exec`, `shell`, `run` + `args`,
/// `env`, `cwd`, `stdin`, `retries`, `timeout`, `io`, `memory` (a number of bytes).
public struct TaskSpec: Sendable, Hashable {
    /// What to run.
    public var command: TaskCommand
    /// Variables added to the worker's environment for `exec` and `shell` commands (empty for `run`).
    public var environment: [String: String]
    /// The directory to run `exec` and `shell` commands in; `nil` for the worker's own.
    public var workingDirectory: String?
    /// Text fed to the standard input of `exec` and `shell` commands; `nil` for no input.
    public var stdin: String?
    /// How many times a failure of this task is retried; `nil` leaves it to the job's default.
    public var retries: Int?
    /// Seconds the task may run before it is stopped; `nil` leaves it to the job's default.
    public var timeout: Double?
    /// For `exec` and `shell`: the command mostly waits (network, disk), so it holds no CPU slot.
    public var io: Bool
    /// The most memory the task may use, in bytes: the worker enforces it, and a host starts the task only while
    /// the memory its running tasks asked for leaves room for it. The kernel enforces it on `exec` and `shell` commands and
    /// everything they start. `nil`: no limit, and nothing is reserved.
    public var memoryLimitBytes: UInt64?

    /// Creates a spec. No checks are made here; `init(json:)` checks the wire form.
    public init(
        command: TaskCommand, environment: [String: String] = [:], workingDirectory: String? = nil,
        stdin: String? = nil, retries: Int? = nil, timeout: Double? = nil, io: Bool = false,
        memoryLimitBytes: UInt64? = nil
    ) {
        self.io = io
        self.memoryLimitBytes = memoryLimitBytes
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdin = stdin
        self.retries = retries
        self.timeout = timeout
    }

    /// The wire form: an object with only the fields that are set (`env` when non-empty, with its keys
    /// sorted; `args` always accompanies `run`).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(5)
        switch command {
        case .exec(let argv):
            members.append(("exec", .array(argv.map { .string($0) })))
        case .shell(let line):
            members.append(("shell", .string(line)))
        case .run(let kind, let args):
            members.append(("run", .string(kind)))
            members.append(("args", args))
        }
        if !environment.isEmpty {
            let variables = environment.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }
            members.append(("env", .object(JSONObject(variables))))
        }
        if let workingDirectory { members.append(("cwd", .string(workingDirectory))) }
        if let stdin { members.append(("stdin", .string(stdin))) }
        if let retries { members.append(("retries", .number(JSONNumber(retries)))) }
        if let timeout { members.append(("timeout", .number(JSONNumber(timeout)))) }
        if io { members.append(("io", .bool(true))) }
        if let memoryLimitBytes { members.append(("memory", .number(JSONNumber(Int(clamping: memoryLimitBytes))))) }
        return .object(JSONObject(members))
    }

    /// Decodes the wire form that `json` writes, checking every field as a task file would (except `id`,
    /// which is not part of the wire form, and kind arguments, which the worker's handler checks).
    ///
    /// Safe for untrusted input: every malformed shape throws.
    /// - Throws: `TaskSpecError` naming the first offending field.
    public init(json: JSONValue) throws(TaskSpecError) {
        guard case .object(let object) = json else {
            throw TaskSpecError(field: nil, message: "expected a task object, got \(json.briefDescription)")
        }
        var errors: [TaskSpecError] = []
        var fields = TaskFields()
        _ = TaskField.decode(object, scope: .wire, into: &fields, errors: &errors)
        if let first = errors.first { throw first }
        if let first = fields.combinationProblems().first { throw first }
        self = fields.makeSpec()
    }
}

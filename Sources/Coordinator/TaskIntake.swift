#if canImport(Glibc)
import Glibc
#endif
import JobRunKit
import Scheduler
import TaskFile

/// Where the job's tasks come from and how they reach the scheduler: it opens the task input (a checked task file,
/// a stream, `jobrun run`'s inputs), reads tasks when the scheduler asks for them, and turns each into what the
/// scheduler needs (`LoadedTask`) and what is sent to run it (`PendingTask`, kept by the recorder until recorded).
///
/// Threads: used on the coordinator's thread only.
final class TaskIntake {
    private let configuration: JobConfiguration
    private let tally: JobTally
    private let recorder: ResultRecorder
    /// Where the tasks come from (a task file, a stream, `jobrun run`'s inputs).
    private(set) var source: (any TaskSource)?
    /// What checking the task file found (none for a source given ready-made).
    private(set) var check: TaskFileCheck?
    /// Tasks the scheduler asked for while the source had none ready: loaded when its descriptor is readable.
    var awaitedTasks: Int?
    /// Tasks the scheduler asked to read, read on the loop's next turn.
    var loadRequest: Int?
    /// Set when reading the task file failed mid-run.
    private(set) var inputFailure: String?
    /// The last built-in kind looked up for its resources, and whether it is IO-bound (tasks come in runs of one kind).
    private var lastKindLookup: (kind: String, isIO: Bool)?
    /// Dependencies and pools, as the task file's check found them.
    var workflow = WorkflowFacts()

    init(configuration: JobConfiguration, tally: JobTally, recorder: ResultRecorder) {
        self.configuration = configuration
        self.tally = tally
        self.recorder = recorder
    }

    /// Opens the task input, checking a task file whole first; on problems prints them and returns `false`.
    func open() -> Bool {
        if let given = configuration.taskSource {
            source = given
            return true
        }
        let validator = Self.kindValidator(configuration.handlers, customWorker: configuration.customWorker)
        switch TaskInput.open(
            path: configuration.taskFilePath, validateKind: validator, knownPools: Set(configuration.pools.keys),
            note: CoordinatorService.printError)
        {
        case .success(let opened):
            source = opened.source
            check = opened.check
            return true
        case .failure(let failure):
            for line in failure.lines { CoordinatorService.printError(line) }
            CoordinatorService.printError("jobrun: nothing was run; fix the task file and submit again")
            return false
        }
    }

    func close() { source?.close() }

    /// Whether every task fits a local worker's slots (`cpus`); if not, says which does not and what to do.
    /// Workers from other machines may have more slots, so with `--listen` there is nothing to check.
    func tasksFitWorkers() -> Bool {
        guard configuration.network == nil, let widest = check?.largestCPUs, widest.cpus > configuration.slotsPerWorker
        else { return true }
        CoordinatorService.printError(
            "jobrun: \(configuration.taskFilePath): \(widest.task): field \"cpus\": asks for \(widest.cpus) CPU slots, but "
                + "every worker has \(configuration.slotsPerWorker); give workers more with --slots, or lower \"cpus\"")
        CoordinatorService.printError("jobrun: nothing was run; fix the task file and submit again")
        return false
    }

    /// The source's descriptor to wait on, while a request waits for tasks to become readable.
    var awaitedDescriptor: Int32? { awaitedTasks != nil ? source?.readinessDescriptor : nil }

    /// Reads up to `count` tasks from the source, for the scheduler. When the source has none ready, the request
    /// waits (`nil`: the scheduler keeps it pending) until the source's descriptor is readable.
    func load(_ count: Int) -> (tasks: [LoadedTask], inputEnded: Bool)? {
        guard let source else { return nil }
        var sequences: [LoadedTask] = []
        sequences.reserveCapacity(min(count, 4096))
        var ended = false
        var read = 0
        let taskDefaults = configuration.taskDefaults
        reading: while read < count {
            let task: TaskDefinition
            switch source.next() {
            case .task(let next):
                task = next
            case .waiting:
                awaitedTasks = count - read
                break reading
            case .end:
                ended = true
                break reading
            case .problem(let problem):
                inputFailure = "\(problem)"
                tally.progress.message("jobrun: \(problem)")
                tally.progress.message("jobrun: no further tasks are started; the running ones finish")
                ended = true
                break reading
            }
            read += 1
            do {
                let sequence = UInt64(task.position)
                let plain = task.spec.retries == nil && task.spec.timeout == nil && task.spec.memoryLimitBytes == nil
                let wireForm = task.spec.serializedJSON
                let hash = plain ? TaskHash(id: task.id, wireForm: wireForm) : TaskHash(id: task.id, spec: task.spec)
                if !tally.statistics.totalIsKnown { tally.statistics.totalTasks += 1 }
                // A task with an earlier line either keeps it (the scheduler decides) or writes one that supersedes it.
                if let journal = recorder.journal, journal.hasLine(key: task.id.key) { recorder.supersededLines += 1 }
                let effective = taskDefaults.applied(to: task.spec)
                let spec = effective ?? task.spec
                let wire = effective?.serializedJSON ?? wireForm
                recorder.pending[sequence] = PendingTask(id: task.id, spec: wire, hash: hash, inputs: task.inputs)
                sequences.append(loadedTask(task, spec: spec, sequence: sequence, isIO: isIO(spec), hash: hash))
            }
        }
        // With nothing to hand over and more to come, the request stays pending until the input is readable.
        if sequences.isEmpty && !ended && awaitedTasks != nil { return nil }
        awaitedTasks = nil
        return (sequences, ended)
    }

    /// Whether a task mostly waits: an IO kind, or a command marked `"io": true`.
    private func isIO(_ spec: TaskSpec) -> Bool {
        switch spec.command {
        case .run(let kind, _):
            if let last = lastKindLookup, last.kind == kind { return last.isIO }
            let io = configuration.handlers[kind]?.resources == .io
            lastKindLookup = (kind, io)
            return io
        case .exec, .shell: return spec.io
        }
    }

    /// What the scheduler needs of a task read from the file: its dependencies as sequences, its priority, its
    /// demand, and (with `--resume`) what an earlier run recorded for it. `spec` is the task's spec with the job's
    /// defaults (`--memory`) applied.
    func loadedTask(_ task: TaskDefinition, spec: TaskSpec, sequence: UInt64, isIO: Bool, hash: TaskHash) -> LoadedTask {
        let schedule = task.schedule
        var after: [UInt64] = []
        if !schedule.after.isEmpty, let positions = workflow.taskPositions {
            after = schedule.after.compactMap { positions.firstUse(of: $0.key).map { UInt64($0.position) } }
        }
        let demand = TaskDemand(
            pool: schedule.pool.flatMap { workflow.poolIndex[$0] }, cpus: schedule.cpus, gpus: schedule.gpus,
            resources: schedule.resources, requires: schedule.requires, memoryBytes: spec.memoryLimitBytes ?? 0)
        return LoadedTask(
            sequence: sequence, retries: spec.retries, isIO: isIO, after: after, priority: schedule.priority,
            demand: demand, earlier: recorder.journal?.earlierOutcome(key: task.id.key, hash: hash))
    }

    /// Checks `run` fields against the kinds the coordinator knows.
    static func kindValidator(_ handlers: HandlerRegistry, customWorker: Bool = false) -> KindValidator {
        { kind, arguments in
            guard let handler = handlers[kind] else {
                // A custom worker program may offer kinds this coordinator does not know; it checks them itself.
                return customWorker ? .valid : .unknownKind(known: handlers.names)
            }
            do throws(ArgumentError) {
                try handler.validate(arguments)
                return .valid
            } catch {
                return .invalid(field: error.field.isEmpty ? "args" : "args.\(error.field)", message: error.message)
            }
        }
    }
}

/// What the task file says about the job's shape, kept for loading tasks.
struct WorkflowFacts {
    /// Every task's id with its position, when some task has `after`.
    var taskPositions: TaskIDIndex?
    /// Pool indices (into the scheduler's configuration) by name.
    var poolIndex: [String: Int] = [:]
}

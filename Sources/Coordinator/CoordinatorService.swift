#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import JobRun
import JSONValue
import ProcessSignals
import Scheduler
import Settings
import TaskFile
import WireProtocol
import ZeroMQ

/// Runs one job in the foreground: checks the task file, starts local workers, drives the scheduler, records
/// results and reports progress. Returns the process exit status (`SubmitExitCode`).
///
/// Threads: everything happens on the calling thread, which owns every ZeroMQ socket and waits in `zmq_poll` on
/// them, on the signal pipe, and on per-worker sockets with queued frames. The scheduler decides; this type only
/// carries out its actions.
public final class CoordinatorService {
    let configuration: JobConfiguration
    let settings: Settings
    var scheduler: SchedulerState!
    var statistics: JobStatistics!
    var progress: ProgressDisplay
    /// Where the tasks come from (a task file, a stream, `jobrun run`'s inputs).
    var source: (any TaskSource)?
    /// Tasks the scheduler asked for while the source had none ready: loaded when its descriptor is readable.
    var awaitedTasks: Int?
    /// Prints each task's output as one block when it ends (`jobrun run`).
    var outputBlocks: TaskOutputBlocks?
    /// Spec bytes and ids of loaded tasks without a recorded result, by sequence number.
    var pending = SequenceTable<PendingTask>()
    /// Prints streamed task output in the foreground (`showStreamedOutput`).
    let outputPrinter = TaskOutputPrinter()
    /// The last built-in kind looked up for its resources, and whether it is IO-bound (tasks come in runs of one kind).
    var lastKindLookup: (kind: String, isIO: Bool)?
    var nextSequence: UInt64 = 0
    var workers: [UInt32: WorkerConnection] = [:]
    /// Every worker that ever registered, kept after it is lost so its late results can still be recorded.
    var identities: [UInt32: WorkerIdentity] = [:]
    /// Why a worker is about to be reported lost (its exit status), by id.
    var lossDetails: [UInt32: String] = [:]
    /// Set when reading the task file failed mid-run.
    var inputFailure: String?
    var interruptCount = 0
    /// Why the job stopped starting workers (a crash loop, or none registered in time), for the summary.
    var workersGoneReason: String?
    /// What was last told to the scheduler about remote workers joining.
    var remoteWorkersExpected = false
    /// The `--halt` condition that stopped the job early, once met.
    var haltedBy: HaltPolicy?
    /// With `--resume`: what the results file already holds, by task id key.
    var journal: ResultJournal?
    /// Earlier result lines of tasks that run again (the file is compacted at the end when there are any).
    var supersededLines = 0
    var timestamps = TimestampWriter()
    var localProcesses: [LocalWorkerProcess] = []
    /// Worker ids start at a random number, so a worker still talking to a coordinator that died (whose ids started
    /// elsewhere) is not taken for one of this coordinator's workers when it restarts at the same address.
    var nextWorkerID = UInt32.random(in: 1...0x7FFF_FFFF)
    var ending: JobEnding?
    var runtime: RuntimeDirectory?
    var results: ResultWriter?
    /// The locked results file (none when results go to standard output).
    var resultFile: ResultFile?
    /// Why results could not be written (the disk is full, say): no new task starts after it.
    var writeFailure: String?
    var token = ""
    var context: ZMQContext?
    var registerSocket: ZMQSocket?
    var resultSocket: ZMQSocket?
    /// Bounds registrations waiting to become ready (a flood of `hello`s must not use up file descriptors).
    var registrationGate = RegistrationGate()
    /// The TCP side for workers on other machines (`--listen`).
    var remote: RemoteListener?
    /// Worker agents started on other hosts (`--hosts`).
    var launches: [HostLaunch] = []
    /// Host agents started through Slurm (`--slurm`, `--slurm-jobs`).
    var slurm: SlurmLauncher?
    /// Dependencies and pools, as the task file's check found them.
    var workflow = WorkflowFacts()
    /// How tasks that did not succeed ended, by sequence, for the tasks waiting for them (jobs with `after` only).
    var endedOtherwise: [UInt64: (id: String, status: String)] = [:]
    /// The host name local workers report.
    var localHostName: String?
    /// When the scheduler asked to be woken (a pool's rate allows a start then), in monotonic nanoseconds.
    var wakeAt: UInt64?
    /// Tasks the scheduler asked to read, read on the loop's next turn.
    var loadRequest: Int?
    /// The last `waitingText` and when it was worked out.
    var waitingCache: (at: UInt64, text: String) = (0, "")

    struct PendingTask: Sendable {
        let id: TaskID
        let spec: [UInt8]
        /// The hash of the task's definition, written into its result line for `--resume`.
        let hash: TaskHash
        /// The input values a command template was filled with (`jobrun run`).
        var inputs: [String] = []
    }

    public init(configuration: JobConfiguration) {
        self.configuration = configuration
        self.settings = configuration.settings
        self.progress = ProgressDisplay(
            quiet: configuration.quiet, refreshMilliseconds: configuration.settings.progressRefreshMilliseconds,
            plainMilliseconds: configuration.settings.plainProgressMilliseconds
        )
    }

    /// Runs the job to its end and returns the exit status.
    public func run() -> Int32 {
        HeapTuning.keepFreedMemory()
        DescriptorLimit.raiseToHardLimit()
        var check: TaskFileCheck?
        if let given = configuration.taskSource {
            source = given
        } else {
            let validator = Self.kindValidator(configuration.handlers, customWorker: configuration.customWorker)
            switch TaskInput.open(
                path: configuration.taskFilePath, validateKind: validator, knownPools: Set(configuration.pools.keys),
                note: Self.printError)
            {
            case .success(let opened):
                source = opened.source
                check = opened.check
            case .failure(let failure):
                for line in failure.lines { Self.printError(line) }
                Self.printError("jobrun: nothing was run; fix the task file and submit again")
                return SubmitExitCode.usage
            }
        }
        defer { source?.close() }
        outputBlocks = configuration.taskOutput.map(TaskOutputBlocks.init)
        do {
            try ResultWriter.checkWritable(
                configuration.outputPath, overwrite: configuration.overwriteOutput, resume: configuration.resume,
                taskFile: configuration.taskFilePath)
            if configuration.outputPath != "-" {
                let file = try ResultFile(
                    path: configuration.outputPath, truncate: !configuration.resume, taskFile: configuration.taskFilePath)
                resultFile = file
                if configuration.resume { try repairForResume(file) }
            }
        } catch {
            Self.printError("jobrun: \(error)")
            return SubmitExitCode.usage
        }
        defer { resultFile?.close() }
        if configuration.network == nil, let widest = check?.largestCPUs, widest.cpus > configuration.slotsPerWorker {
            Self.printError(
                "jobrun: \(configuration.taskFilePath): \(widest.task): field \"cpus\": asks for \(widest.cpus) CPU slots, but "
                    + "every worker has \(configuration.slotsPerWorker); give workers more with --slots, or lower \"cpus\"")
            Self.printError("jobrun: nothing was run; fix the task file and submit again")
            return SubmitExitCode.usage
        }
        let start = Clocks.monotonicNanoseconds()
        let knownTotal = source?.knownTaskCount
        var schedulerConfiguration = Self.schedulerConfiguration(settings)
        schedulerConfiguration.pools = Self.poolConfigurations(file: check?.pools ?? [:], options: configuration.pools)
        schedulerConfiguration.tracksDependencies = check?.taskPositions != nil
        schedulerConfiguration.defaultRetries = configuration.defaultRetries
        schedulerConfiguration.rerunFailed = configuration.rerunFailed
        schedulerConfiguration.memfreeBytes = configuration.memfreeBytes
        // Workers from other machines may still join and be able to run what the connected ones cannot.
        schedulerConfiguration.unschedulableGraceMilliseconds = configuration.network == nil ? 0 : 10_000
        workflow.taskPositions = check?.taskPositions
        for (index, pool) in schedulerConfiguration.pools.enumerated() { workflow.poolIndex[pool.name] = index }
        scheduler = SchedulerState(configuration: schedulerConfiguration, totalTasks: knownTotal)
        statistics = JobStatistics(totalTasks: knownTotal ?? 0, startedAt: start)
        statistics.totalIsKnown = knownTotal != nil
        do {
            return try runJob()
        } catch {
            progress.finish()
            Self.printError("jobrun: \(error)")
            askWorkersToStop()
            waitForWorkersToExit()
            return SubmitExitCode.failures
        }
    }

    private func runJob() throws -> Int32 {
        SignalPipe.ignore(SIGPIPE)
        // A results file past the file-size limit fails its write (handled) instead of killing the coordinator.
        SignalPipe.ignore(SIGXFSZ)
        guard let signals = SignalPipe.install(for: [SIGINT, SIGTERM, SIGHUP, SIGCHLD]) else {
            throw CoordinatorError("cannot create the signal pipe: \(String(cString: strerror(errno)))")
        }
        // Task processes of a worker that dies are re-parented here, so they can be stopped instead of lingering.
        OrphanReaper.adopt()
        let runtime = try RuntimeDirectory()
        self.runtime = runtime
        defer { runtime.remove() }
        let context = try ZMQContext()
        self.context = context
        defer { context.terminate() }
        let register = try ZMQSocket(context: context, type: .router)
        let resultsIn = try ZMQSocket(context: context, type: .pull)
        registerSocket = register
        resultSocket = resultsIn
        defer {
            for worker in workers.values { worker.socket.close() }
            register.close()
            resultsIn.close()
        }
        try register.setMaxMessageSize(1 << 20)
        try resultsIn.setMaxMessageSize(Int64(settings.maxFrameBytes))
        try resultsIn.setReceiveHighWaterMark(0)
        try register.bind(runtime.endpoint("register"))
        try resultsIn.bind(runtime.endpoint("results"))
        // Workers start now, so their start-up overlaps the rest of the coordinator's.
        token = Self.randomToken()
        try startLocalWorkers(registerEndpoint: runtime.endpoint("register"))
        try startListening(context: context)
        noteRemoteWorkersExpected(force: true)
        defer {
            stopLaunchers()
            slurm?.stop()
            remote?.close()
        }
        let output = resultFile.map { ResultWriter(file: $0) } ?? ResultWriter()
        results = output
        let observers = configuration.observers
        let description = JobDescription(
            taskFilePath: configuration.taskFilePath, outputPath: configuration.outputPath,
            totalTasks: statistics.totalTasks, workerCount: configuration.workerCount, coordinatorPID: getpid()
        )
        for observer in observers { observer.jobStarted(description) }

        perform(scheduler.handle(.tick, now: now()), batch: nil)
        var nextTick: UInt64 = 0
        var items: [PollItem] = []
        let tickNanoseconds: UInt64 = 50_000_000
        while ending == nil {
            items.removeAll(keepingCapacity: true)
            items.append(PollItem(socket: register, events: .readable))
            items.append(PollItem(socket: resultsIn, events: .readable))
            items.append(PollItem(fileDescriptor: signals.fileDescriptor, events: .readable))
            let blocked = workers.values.filter { !$0.outbound.isEmpty }
            for worker in blocked { items.append(PollItem(socket: worker.socket, events: .writable)) }
            let observerStart = items.count
            for observer in observers { items.append(contentsOf: observer.pollItems) }
            let remoteStart = items.count
            if let remote { items.append(contentsOf: remote.pollItems) }
            let inputItem = items.count
            let awaitsInput = awaitedTasks != nil && source?.readinessDescriptor != nil
            if awaitsInput, let descriptor = source?.readinessDescriptor {
                items.append(PollItem(fileDescriptor: descriptor, events: .readable))
            }
            let current = Clocks.monotonicNanoseconds()
            let due = min(nextTick, wakeAt ?? .max)
            let wait = due > current && loadRequest == nil ? Int((due - current) / 1_000_000) + 1 : 0
            _ = try zmqPoll(&items, timeoutMilliseconds: wait)
            if items[2].returnedEvents.contains(.readable) { handleSignals(signals.drain()) }
            if items[0].returnedEvents.contains(.readable) { try receiveRegistrations(on: register) }
            if items[1].returnedEvents.contains(.readable) { try receiveResults(on: resultsIn) }
            for (index, worker) in blocked.enumerated() where items[3 + index].returnedEvents.contains(.writable) {
                try worker.outbound.flush(on: worker.socket)
            }
            var offset = observerStart
            for observer in observers {
                let count = observer.pollItems.count
                for request in observer.handlePolled(items[offset..<offset + count]) where request == .interrupt {
                    handleSignals([SIGINT])
                }
                offset += count
            }
            if remote != nil { try handleRemotePolled(items[remoteStart..<inputItem]) }
            if awaitsInput, !items[inputItem].returnedEvents.isEmpty, let count = awaitedTasks {
                awaitedTasks = nil
                loadTasks(count)
            }
            if let count = loadRequest {
                loadRequest = nil
                loadTasks(count)
            }
            if outputReaderGone, interruptCount < 2 { stopForGoneReader() }
            if let halt = configuration.halt, haltedBy == nil,
                let urgency = halt.decision(succeeded: statistics.succeeded, failed: statistics.failed)
            {
                stop(by: halt, urgency: urgency)
            }
            let after = Clocks.monotonicNanoseconds()
            if let wake = wakeAt, after >= wake, after < nextTick {
                wakeAt = nil
                perform(scheduler.handle(.tick, now: Instant(nanoseconds: after)), batch: nil)
            }
            if after >= nextTick {
                nextTick = after + tickNanoseconds
                reapLocalWorkers()
                dropExpiredRegistrations()
                noteRemoteWorkersExpected()
                pollSlurm()
                measureFreeMemory()
                perform(scheduler.handle(.tick, now: Instant(nanoseconds: after)), batch: nil)
                progress.waiting = waitingText(now: after)
                // The live line waits while task output waits for its reader, so the two never mix.
                if outputPrinter.flush() {
                    progress.update(statistics, busyWorkers: scheduler.busyWorkerCount, workers: scheduler.workerCount, now: after)
                }
                if !observers.isEmpty {
                    let current = totals(now: after)
                    for observer in observers { observer.totalsChanged(current) }
                }
            }
            do {
                try output.sync(now: after, intervalNanoseconds: 1_000_000_000)
            } catch {
                resultsCannotBeWritten(error)
            }
        }
        // Workers exit while the results reach the disk.
        askWorkersToStop()
        outputPrinter.finish(timeoutMilliseconds: 5000)
        do {
            try output.finish()
            if supersededLines > 0, let resultFile {
                let dropped = try ResultFileLines.compact(resultFile)
                if !configuration.quiet {
                    progress.message("jobrun: replaced \(dropped) earlier result line(s) of tasks that ran again")
                }
            }
        } catch {
            resultsCannotBeWritten(error)
        }
        waitForWorkersToExit()
        progress.finish()
        let status = finalReport()
        let finalTotals = totals(now: Clocks.monotonicNanoseconds())
        for observer in observers { observer.jobEnded(finalTotals, ending: endingDescription) }
        return status
    }

    /// The job's counts, for observers. With `--resume`, tasks an earlier run recorded count as done (by their
    /// recorded status), so a resumed job's record says how much of the whole task file is done.
    func totals(now: UInt64) -> JobTotals {
        var totals = JobTotals(
            total: statistics.totalTasks, succeeded: statistics.succeeded + statistics.skippedSucceeded,
            failed: statistics.failed + statistics.skippedFailures,
            workers: scheduler.workerCount, busyWorkers: scheduler.busyWorkerCount,
            elapsedSeconds: statistics.elapsedSeconds(now: now)
        )
        totals.skipped = statistics.skipped
        totals.statuses = statistics.statuses
        totals.retries = statistics.retries
        totals.workersLost = statistics.workersLost
        totals.rejectedFrames = statistics.rejectedFrames
        totals.droppedResults = statistics.droppedResults
        totals.waiting = waitingText(now: now)
        return totals
    }

    /// How the job ended, in one word for observers: `completed`, `interrupted` or `no-workers`.
    var endingDescription: String {
        switch ending ?? .completed {
        case .completed: "completed"
        case .interrupted: "interrupted"
        case .noWorkers: "no-workers"
        }
    }

    func now() -> Instant { Instant(nanoseconds: Clocks.monotonicNanoseconds()) }

    static func schedulerConfiguration(_ settings: Settings) -> SchedulerState.Configuration {
        SchedulerState.Configuration(
            maxBatch: settings.maxBatch, prefetchTargetMicroseconds: settings.prefetchTargetMicroseconds,
            initialPrefetch: settings.initialPrefetch, readAhead: settings.readAhead,
            heartbeatMilliseconds: settings.heartbeatMilliseconds, heartbeatMisses: settings.heartbeatMisses,
            interruptGraceMilliseconds: settings.interruptGraceMilliseconds, killGraceMilliseconds: settings.killGraceMilliseconds,
            poisonLimit: settings.poisonLimit, retryBackoffMilliseconds: settings.retryBackoffMilliseconds,
            retryBackoffMaxMilliseconds: settings.retryBackoffMaxMilliseconds,
            workerSupervision: WorkerSupervisor.Policy(
                crashLoopLimit: settings.crashLoopLimit, backoffMilliseconds: settings.restartBackoffMilliseconds,
                backoffMaxMilliseconds: settings.restartBackoffMaxMilliseconds,
                freezeMilliseconds: settings.heartbeatMilliseconds,
                freezeExcuseMilliseconds: settings.heartbeatMilliseconds * (settings.heartbeatMisses + 1)),
            workerStartTimeoutMilliseconds: settings.workerStartTimeoutMilliseconds
        )
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

    static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        if let random = fopen("/dev/urandom", "r") {
            _ = fread(&bytes, 1, bytes.count, random)
            fclose(random)
        }
        return bytes.map { String($0, radix: 16) }.joined()
    }

    static func printError(_ text: String) {
        ProgressDisplay.write(text + "\n")
    }
}

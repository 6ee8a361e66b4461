#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import JobRunKit
import JSONValue
import ProcessSignals
import Scheduler
import Settings
import SystemIO
import TaskFile
import WireProtocol
import ZeroMQ

/// Runs one job in the foreground: starts local workers, checks the task file while they start, drives the scheduler,
/// records results and reports progress. Returns the process exit status (`SubmitExitCode`).
///
/// This type only wires the parts together and runs the loop: each part owns its own state (`LocalWorkerPool`,
/// `WorkerRoster`, `RemoteHosts`, `TaskIntake`, `ResultRecorder`, `StreamedOutputRelay`, `WorkerSupply`,
/// `WorkerMessages`), `SchedulerDriver` feeds the scheduler and carries out its actions, and the decisions are the
/// scheduler's (and the other pure machines': `StopRequests`, `TaskDefaults`, `HaltPolicy`, `RegistrationGate`).
///
/// Threads: everything happens on the calling thread, which owns every ZeroMQ socket and waits in `zmq_poll` on
/// them, on the signal pipe, and on per-worker sockets with queued frames.
public final class CoordinatorService {
    let configuration: JobConfiguration
    let settings: Settings
    /// The job's counts and progress line, shared with the parts below.
    let tally: JobTally
    /// Relays streamed task output to observers and the terminal.
    let streamedOutput: StreamedOutputRelay
    /// The connected workers.
    let roster: WorkerRoster
    /// The worker processes started on this host.
    let localWorkers: LocalWorkerPool
    /// Workers on other machines: the TCP side, and the launchers that start them.
    let hosts: RemoteHosts
    /// Records results, and counts them.
    let recorder: ResultRecorder
    /// Reads tasks for the scheduler.
    let intake: TaskIntake
    /// Feeds the scheduler and carries out its actions.
    let driver: SchedulerDriver
    /// Starts, reaps and stops workers; knows what their hosts offer.
    let supply: WorkerSupply
    /// Handles what workers send.
    let messages: WorkerMessages
    /// The last `waitingText` and when it was worked out.
    var waitingCache: (at: UInt64, text: String) = (0, "")
    /// The signals that stop the job, read before any handler replaces what the process started with.
    private let stopSignals = SignalPipe.honouringNohup([SIGINT, SIGTERM, SIGHUP])

    public init(configuration: JobConfiguration) {
        self.configuration = configuration
        self.settings = configuration.settings
        self.localWorkers = LocalWorkerPool(configuration: configuration)
        self.tally = JobTally(
            progress: ProgressDisplay(
                quiet: configuration.quiet, refreshMilliseconds: configuration.settings.progressRefreshMilliseconds,
                plainMilliseconds: configuration.settings.plainProgressMilliseconds))
        self.roster = WorkerRoster(configuration: configuration, tally: tally, localWorkers: localWorkers)
        self.hosts = RemoteHosts(configuration: configuration, tally: tally)
        self.recorder = ResultRecorder(configuration: configuration, tally: tally, roster: roster)
        self.intake = TaskIntake(configuration: configuration, tally: tally, recorder: recorder)
        self.streamedOutput = StreamedOutputRelay(configuration: configuration, tally: tally)
        self.driver = SchedulerDriver(
            configuration: configuration, tally: tally, roster: roster, recorder: recorder, intake: intake,
            localWorkers: localWorkers)
        self.supply = WorkerSupply(
            configuration: configuration, tally: tally, driver: driver, localWorkers: localWorkers, roster: roster,
            hosts: hosts)
        self.messages = WorkerMessages(
            configuration: configuration, tally: tally, driver: driver, supply: supply, roster: roster, hosts: hosts,
            localWorkers: localWorkers, recorder: recorder, streamedOutput: streamedOutput)
    }

    /// Runs the job to its end and returns the exit status.
    public func run() -> Int32 {
        HeapTuning.keepFreedMemory()
        DescriptorLimit.raiseToHardLimit()
        // Task processes of a worker that dies are re-parented here, so they can be stopped instead of lingering.
        OrphanReaper.adopt()
        let endpoints: JobEndpoints
        do {
            endpoints = try JobEndpoints(maxFrameBytes: settings.maxFrameBytes)
        } catch {
            Self.printError("jobrun: \(error)")
            return SubmitExitCode.failures
        }
        endpoints.removeOnStopSignal(stopSignals)
        roster.open(context: endpoints.context, runtime: endpoints.runtime)
        driver.registerEndpoint = endpoints.registerEndpoint
        defer {
            roster.closeAll()
            endpoints.close()
        }
        do {
            // Local workers start before the task file is checked, so their start-up overlaps the check.
            try supply.launchLocalWorkers(registerEndpoint: endpoints.registerEndpoint)
        } catch {
            Self.printError("jobrun: \(error)")
            stopWorkers()
            return SubmitExitCode.failures
        }
        return checkAndRun(endpoints)
    }

    /// Checks the task file and the results file, then runs the job; the workers started already are stopped when
    /// the job cannot start.
    private func checkAndRun(_ endpoints: JobEndpoints) -> Int32 {
        guard intake.open() else {
            stopWorkers()
            return SubmitExitCode.usage
        }
        defer { intake.close() }
        do {
            try recorder.openResultFile()
        } catch {
            Self.printError("jobrun: \(error)")
            stopWorkers()
            return SubmitExitCode.usage
        }
        defer { recorder.close() }
        guard intake.tasksFitWorkers() else {
            stopWorkers()
            return SubmitExitCode.usage
        }
        let start = Clocks.monotonicNanoseconds()
        let knownTotal = intake.source?.knownTaskCount
        let schedulerConfiguration = configuration.schedulerConfiguration(check: intake.check)
        intake.workflow.taskPositions = intake.check?.taskPositions
        for (index, pool) in schedulerConfiguration.pools.enumerated() { intake.workflow.poolIndex[pool.name] = index }
        driver.scheduler = SchedulerState(configuration: schedulerConfiguration, totalTasks: knownTotal)
        recorder.tracksDependencies = schedulerConfiguration.tracksDependencies
        tally.statistics = JobStatistics(totalTasks: knownTotal ?? 0, startedAt: start)
        tally.statistics.totalIsKnown = knownTotal != nil
        do {
            return try runJob(endpoints)
        } catch {
            tally.progress.finish()
            Self.printError("jobrun: \(error)")
            stopWorkers()
            return SubmitExitCode.failures
        }
    }

    /// Asks the workers to stop and waits for the local ones to exit.
    private func stopWorkers() {
        roster.askWorkersToStop()
        supply.waitForWorkersToExit()
    }

    private func runJob(_ endpoints: JobEndpoints) throws -> Int32 {
        SignalPipe.ignore(SIGPIPE)
        // A results file past the file-size limit fails its write (handled) instead of killing the coordinator.
        SignalPipe.ignore(SIGXFSZ)
        guard let signals = SignalPipe.install(for: stopSignals + [SIGCHLD]) else {
            throw CoordinatorError("cannot create the signal pipe: \(String(cString: strerror(errno)))")
        }
        let register = endpoints.register
        let resultsIn = endpoints.results
        supply.noteLocalWorkersStarting()
        try hosts.startListening(context: endpoints.context, runtime: endpoints.runtime)
        roster.remote = hosts.listener
        supply.noteRemoteWorkersExpected(force: true)
        defer {
            hosts.stop()
        }
        recorder.startWriting()
        let observers = configuration.observers
        let description = JobDescription(
            taskFilePath: configuration.taskFilePath, outputPath: configuration.outputPath,
            totalTasks: tally.statistics.totalTasks, workerCount: configuration.workerCount, coordinatorPID: getpid()
        )
        for observer in observers { observer.jobStarted(description) }

        driver.handle(.tick)
        var nextTick: UInt64 = 0
        var items: [PollItem] = []
        let tickNanoseconds: UInt64 = 50_000_000
        while driver.ending == nil {
            items.removeAll(keepingCapacity: true)
            items.append(PollItem(socket: register, events: .readable))
            items.append(PollItem(socket: resultsIn, events: .readable))
            items.append(PollItem(fileDescriptor: signals.fileDescriptor, events: .readable))
            let blocked = roster.workers.values.filter { !$0.outbound.isEmpty }
            for worker in blocked { items.append(PollItem(socket: worker.socket, events: .writable)) }
            let observerStart = items.count
            for observer in observers { items.append(contentsOf: observer.pollItems) }
            let remoteStart = items.count
            if let listener = hosts.listener { items.append(contentsOf: listener.pollItems) }
            let inputItem = items.count
            let awaitedDescriptor = intake.awaitedDescriptor
            if let descriptor = awaitedDescriptor { items.append(PollItem(fileDescriptor: descriptor, events: .readable)) }
            let current = Clocks.monotonicNanoseconds()
            let due = min(nextTick, driver.wakeAt ?? .max)
            let wait = due > current && intake.loadRequest == nil ? Int((due - current) / 1_000_000) + 1 : 0
            _ = try zmqPoll(&items, timeoutMilliseconds: wait)
            if items[2].returnedEvents.contains(.readable) { handleSignals(signals.drain()) }
            if items[0].returnedEvents.contains(.readable) { try roster.receiveRegistrations(on: register) }
            if items[1].returnedEvents.contains(.readable) { try messages.receiveResults(on: resultsIn) }
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
            if hosts.listener != nil { try messages.handleRemotePolled(items[remoteStart..<inputItem]) }
            if awaitedDescriptor != nil, !items[inputItem].returnedEvents.isEmpty, let count = intake.awaitedTasks {
                intake.awaitedTasks = nil
                driver.loadTasks(count)
            }
            if let count = intake.loadRequest {
                intake.loadRequest = nil
                driver.loadTasks(count)
            }
            if recorder.outputReaderGone { driver.requestStop(.readerGone) }
            if let halt = configuration.halt, driver.stops.haltedBy == nil,
                let urgency = halt.decision(succeeded: tally.statistics.succeeded, failed: tally.statistics.failed)
            {
                driver.requestStop(.halt(halt, urgency))
            }
            let after = Clocks.monotonicNanoseconds()
            if let wake = driver.wakeAt, after >= wake, after < nextTick {
                driver.wakeAt = nil
                driver.perform(driver.scheduler.handle(.tick, now: Instant(nanoseconds: after)), batch: nil)
            }
            if after >= nextTick {
                nextTick = after + tickNanoseconds
                supply.reapLocalWorkers()
                roster.dropExpiredRegistrations()
                supply.noteRemoteWorkersExpected()
                supply.pollSlurm()
                supply.measureFreeMemory()
                driver.perform(driver.scheduler.handle(.tick, now: Instant(nanoseconds: after)), batch: nil)
                tally.progress.waiting = waitingText(now: after)
                // The live line waits while task output waits for its reader, so the two never mix.
                if streamedOutput.outputPrinter.flush() {
                    tally.progress.update(
                        tally.statistics, busyWorkers: driver.scheduler.busyWorkerCount,
                        workers: driver.scheduler.workerCount, now: after)
                }
                if !observers.isEmpty {
                    let current = totals(now: after)
                    for observer in observers { observer.totalsChanged(current) }
                }
            }
            do {
                try recorder.sync(now: after, intervalNanoseconds: 1_000_000_000)
            } catch {
                driver.resultsCannotBeWritten(error)
            }
        }
        // Workers exit while the results reach the disk.
        roster.askWorkersToStop()
        streamedOutput.outputPrinter.finish(timeoutMilliseconds: 5000)
        do {
            try recorder.finishWriting()
        } catch {
            driver.resultsCannotBeWritten(error)
        }
        supply.waitForWorkersToExit()
        tally.progress.finish()
        let status = finalReport()
        let finalTotals = totals(now: Clocks.monotonicNanoseconds())
        for observer in observers { observer.jobEnded(finalTotals, ending: endingDescription) }
        return status
    }

    /// The job's counts, for observers. With `--resume`, tasks an earlier run recorded count as done (by their
    /// recorded status), so a resumed job's record says how much of the whole task file is done.
    func totals(now: UInt64) -> JobTotals {
        var totals = JobTotals(
            total: tally.statistics.totalTasks, succeeded: tally.statistics.succeeded + tally.statistics.skippedSucceeded,
            failed: tally.statistics.failed + tally.statistics.skippedFailures,
            workers: driver.scheduler.workerCount, busyWorkers: driver.scheduler.busyWorkerCount,
            elapsedSeconds: tally.statistics.elapsedSeconds(now: now)
        )
        totals.skipped = tally.statistics.skipped
        totals.statuses = tally.statistics.statuses
        totals.retries = tally.statistics.retries
        totals.workersLost = tally.statistics.workersLost
        totals.rejectedFrames = tally.statistics.rejectedFrames
        totals.droppedResults = tally.statistics.droppedResults
        totals.waiting = waitingText(now: now)
        return totals
    }

    /// How the job ended, in one word for observers: `completed`, `interrupted` or `no-workers`.
    var endingDescription: String {
        switch driver.ending ?? .completed {
        case .completed: "completed"
        case .interrupted: "interrupted"
        case .noWorkers: "no-workers"
        }
    }

    static func printError(_ text: String) {
        ProgressDisplay.write(text + "\n")
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Clock
import JSONValue
import JobRunKit
import Scheduler
import Settings
import TaskFile
import WireProtocol

/// Records each task exactly once: the results file (locked, repaired and read back for `--resume`, compacted when
/// tasks ran again), the tasks loaded but not yet recorded, and the counts the summary reports.
///
/// Threads: used on the coordinator's thread only.
final class ResultRecorder {
    private let configuration: JobConfiguration
    private var settings: Settings { configuration.settings }
    private let tally: JobTally
    private let roster: WorkerRoster
    /// Spec bytes and ids of loaded tasks without a recorded result, by sequence number.
    var pending = SequenceTable<PendingTask>()
    /// Prints each task's output as one block when it ends (`jobrun run`).
    let outputBlocks: TaskOutputBlocks?
    /// Whether tasks wait for others (`after`): then how the ones that did not succeed ended is kept for them.
    var tracksDependencies = false
    /// With `--resume`: what the results file already holds, by task id key.
    private(set) var journal: ResultJournal?
    /// Earlier result lines of tasks that run again (the file is compacted at the end when there are any).
    var supersededLines = 0
    private var timestamps = TimestampWriter()
    private var results: ResultWriter?
    /// The locked results file (none when results go to standard output).
    private var resultFile: ResultFile?
    /// Why results could not be written (the disk is full, say): no new task starts after it.
    private(set) var writeFailure: String?
    /// How tasks that did not succeed ended, by sequence, for the tasks waiting for them (jobs with `after` only).
    private var endedOtherwise: [UInt64: (id: String, status: String)] = [:]

    init(configuration: JobConfiguration, tally: JobTally, roster: WorkerRoster) {
        self.configuration = configuration
        self.tally = tally
        self.roster = roster
        self.outputBlocks = configuration.taskOutput.map(TaskOutputBlocks.init)
    }

    /// Checks that results may go where they are asked to, and opens (and locks) the results file; with
    /// `--resume`, reads and repairs it.
    func openResultFile() throws {
        try ResultWriter.checkWritable(
            configuration.outputPath, overwrite: configuration.overwriteOutput, resume: configuration.resume,
            taskFile: configuration.taskFilePath)
        if configuration.outputPath != "-" {
            let file = try ResultFile(
                path: configuration.outputPath, truncate: !configuration.resume, taskFile: configuration.taskFilePath)
            resultFile = file
            if configuration.resume { try repairForResume(file) }
        }
    }

    /// Closes (and unlocks) the results file.
    func close() { resultFile?.close() }

    /// Starts appending result lines (to the file, or to standard output).
    func startWriting() {
        results = resultFile.map { ResultWriter(file: $0) } ?? ResultWriter()
    }

    /// Writes what is buffered when `intervalNanoseconds` passed since the last write.
    func sync(now: UInt64, intervalNanoseconds: UInt64) throws(CoordinatorError) {
        try results?.sync(now: now, intervalNanoseconds: intervalNanoseconds)
    }

    /// Writes the last results and, when tasks ran again, drops their earlier lines from the file.
    func finishWriting() throws(CoordinatorError) {
        try results?.finish()
        if supersededLines > 0, let resultFile {
            let dropped = try ResultFileLines.compact(resultFile)
            if !configuration.quiet {
                tally.progress.message("jobrun: replaced \(dropped) earlier result line(s) of tasks that ran again")
            }
        }
    }

    /// Notes that results cannot be written, and says so once; returns whether this is the first such failure
    /// (after which no new task starts).
    func noteWriteFailure(_ error: any Error) -> Bool {
        guard writeFailure == nil else { return false }
        writeFailure = "\(error)"
        tally.progress.message(
            "jobrun: \(error); no new task is started, and the results of running tasks are written if room comes back")
        return true
    }

    /// Result lines not yet written (after a write failure: those that could not be).
    var unwrittenLines: Int { results?.pendingLines ?? 0 }

    /// Whether the reader of what jobrun prints on standard output (task output, or results with `-o -`) went away.
    var outputReaderGone: Bool { outputBlocks?.readerGone == true || results?.readerGone == true }

    /// Reads what an earlier run recorded and repairs what any earlier run, however it ended, may have left: a torn
    /// last line, several lines for one task (a run stopped before its final compaction), a compaction's temporary
    /// file. After this the file holds each task at most once, whatever happened before.
    func repairForResume(_ file: ResultFile) throws(CoordinatorError) {
        let earlier = try ResultJournal(file: file)
        journal = earlier
        reportJournal(earlier)
        let leftover = ResultFileLines.temporaryPath(of: file.path)
        var status = stat()
        if lstat(leftover, &status) == 0 {
            unlink(leftover)
            CoordinatorService.printError("jobrun: \(leftover): removed, left by a run stopped while it compacted the results")
        }
        if earlier.supersededLines > 0 {
            let dropped = try ResultFileLines.compact(file)
            CoordinatorService.printError(
                "jobrun: \(file.path): removed \(dropped) superseded result line(s) left by a run stopped before its final "
                    + "rewrite; each task now has one line")
        }
    }

    private func reportJournal(_ journal: ResultJournal) {
        if journal.repairedBytes > 0 {
            CoordinatorService.printError(
                "jobrun: \(configuration.outputPath): cut off a torn last line (\(journal.repairedBytes) bytes) left by an "
                    + "interrupted run")
        }
        if journal.unreadableLines > 0 {
            CoordinatorService.printError("jobrun: \(configuration.outputPath): skipped \(journal.unreadableLines) line(s) that are not results")
        }
    }

    func record(_ result: TaskResult, from id: UInt32) {
        guard let task = pending.removeValue(forKey: result.sequence), let identity = roster.identities[id] else { return }
        var body = result.body
        var outcome = result.outcome
        if !ResultLine.isValidBody(body) {
            outcome = .error
            body = Array(#"{"failure":"error","error":"the worker sent a malformed result"}"#.utf8)
        }
        let status = ResultStatus(outcome)
        noteEnding(sequence: result.sequence, id: task.id, status: "\(status.text)")
        results?.append { line in
            ResultLine.append(
                id: task.id, status: status, result: result, body: body, worker: identity, taskHash: task.hash,
                timestamps: &timestamps, to: &line
            )
        }
        count(status: status)
        let samples = tally.statistics.failureSamples.count < FailureSample.kept
        let failure = outcome == .ok || (!samples && configuration.observers.isEmpty) ? nil : (try? JSONParser.parse(body))?.objectValue
        if outcome != .ok, samples {
            tally.statistics.failureSamples.append(FailureSample(id: task.id.description, body: failure))
        }
        if body.count >= settings.outputCapBytes, ResultLine.saysTruncated(body) { tally.statistics.outputsCut += 1 }
        tally.statistics.recordedByWorker[id, default: 0] += 1
        outputBlocks?.taskEnded(result.sequence, inputs: task.inputs, body: body)
        if !configuration.observers.isEmpty {
            let recorded = RecordedOutcome(
                id: task.id, status: status.text.description, worker: identity.name, attempts: Int(result.attempt),
                startedAtMicroseconds: result.startedAtMicroseconds, durationMicroseconds: result.durationMicroseconds,
                error: failure?["error"]?.stringValue, stderrTail: FailureSample.stderrTail(of: failure)
            )
            for observer in configuration.observers { observer.taskFinished(recorded) }
        }
    }

    /// Records a task that workers kept dying on.
    func recordPoison(sequence: UInt64, attempts: UInt32, deaths: Int, lastWorker: UInt32) {
        guard let task = pending.removeValue(forKey: sequence), let identity = roster.identities[lastWorker] else { return }
        let message = "its worker died \(deaths) times while running it (poison_limit = \(settings.poisonLimit)); "
            + "not run again"
        results?.append { line in
            ResultLine.appendPoison(
                id: task.id, attempts: attempts, deaths: deaths, message: message, worker: identity, taskHash: task.hash,
                timestamps: &timestamps, to: &line)
        }
        tally.statistics.failed += 1
        tally.statistics.poisoned += 1
        outputBlocks?.skip(sequence)
        noteEnding(sequence: sequence, id: task.id, status: "failed")
        tally.progress.message("jobrun: task \(task.id) failed: \(message)")
        if !configuration.observers.isEmpty {
            let recorded = RecordedOutcome(
                id: task.id, status: "failed", worker: identity.name, attempts: Int(attempts),
                startedAtMicroseconds: Clocks.realTimeMicroseconds(), durationMicroseconds: 0, error: message)
            for observer in configuration.observers { observer.taskFinished(recorded) }
        }
    }

    private func count(status: ResultStatus) {
        switch status {
        case .ok: tally.statistics.succeeded += 1
        case .timeout:
            tally.statistics.failed += 1
            tally.statistics.timedOut += 1
        case .cancelled:
            tally.statistics.failed += 1
            tally.statistics.cancelled += 1
        case .failed: tally.statistics.failed += 1
        }
    }

    /// Records a task that did not run because a task it waits for ended other than ok.
    func recordSkipped(sequence: UInt64, dependency: UInt64) {
        guard let task = pending.removeValue(forKey: sequence) else { return }
        let cause = endedOtherwise[dependency] ?? (id: "at position \(dependency)", status: "never ran")
        let message = "not run: dependency \(cause.id) \(cause.status)"
        endedOtherwise[sequence] = (task.id.description, "was skipped")
        appendUnrun(task, status: "skipped", failure: "dependency", message: message)
        tally.statistics.failed += 1
        tally.statistics.dependencySkipped += 1
    }

    /// Records a task that no connected worker could ever run.
    func recordUnschedulable(sequence: UInt64, reason: String) {
        guard let task = pending.removeValue(forKey: sequence) else { return }
        endedOtherwise[sequence] = (task.id.description, "was unschedulable")
        appendUnrun(task, status: "failed", failure: "unschedulable", message: reason)
        tally.statistics.failed += 1
        tally.statistics.unschedulable += 1
        tally.progress.message("jobrun: task \(task.id) failed: \(reason)")
    }

    /// A task kept the result of an earlier run (`--resume`).
    func keepEarlier(sequence: UInt64, ok: Bool) {
        guard let task = pending.removeValue(forKey: sequence) else { return }
        tally.statistics.skipped += 1
        if ok { tally.statistics.skippedSucceeded += 1 }
        outputBlocks?.skip(sequence)
        supersededLines -= 1
        if !ok { endedOtherwise[sequence] = (task.id.description, "failed in an earlier run") }
    }

    /// Notes how a recorded task ended when it did not succeed, for the tasks that wait for it.
    func noteEnding(sequence: UInt64, id: TaskID, status: String) {
        guard tracksDependencies, status != "ok" else { return }
        endedOtherwise[sequence] = (id.description, "ended \(status)")
    }

    private func appendUnrun(_ task: PendingTask, status: StaticString, failure: StaticString, message: String) {
        results?.append { line in
            ResultLine.appendUnrun(
                id: task.id, status: status, failure: failure, message: message, taskHash: task.hash,
                timestamps: &timestamps, to: &line)
        }
        if !configuration.observers.isEmpty {
            let recorded = RecordedOutcome(
                id: task.id, status: "\(status)", worker: "", attempts: 0, startedAtMicroseconds: Clocks.realTimeMicroseconds(),
                durationMicroseconds: 0, error: message)
            for observer in configuration.observers { observer.taskFinished(recorded) }
        }
    }
}

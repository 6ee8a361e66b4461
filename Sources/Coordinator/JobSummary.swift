import Clock
import Scheduler
import Settings

/// The summary printed when a job ends, and the exit status that goes with it: built from what the parts of the
/// driver know at the end, so the wording of every ending lives in one place.
struct JobSummary {
    let configuration: JobConfiguration
    var settings: Settings { configuration.settings }
    let statistics: JobStatistics
    /// How the job ended (`nil`: it did not get to decide, counted as completed).
    let ending: JobEnding?
    /// The `--halt` condition that stopped the job early, if one did.
    let haltedBy: HaltPolicy?
    /// Why reading the task file failed mid-run, if it did.
    let inputFailure: String?
    /// Why the job stopped starting workers (a crash loop, or none registered in time).
    let workersGoneReason: String?
    /// Why results could not be written, if they could not.
    let writeFailure: String?
    /// Result lines that could not be written.
    let unwrittenLines: Int
    /// Whether the reader of jobrun's standard output went away (`| head`).
    let outputReaderGone: Bool
    /// Slurm worker jobs submitted to replace ended ones.
    let replacementSlurmJobs: Int
    /// Every worker that registered, by id.
    let identities: [UInt32: WorkerIdentity]
    /// The per-host line with `--listen`.
    let hostLine: String?

    /// Prints the summary (unless quiet) and returns the exit status for how the job ended.
    func print() -> Int32 {
        // The reader of the output went away (`| head`): that is how the user stopped the job, not a failure.
        // The tasks stopped for that are cancelled, not failed.
        if outputReaderGone {
            return statistics.failed - statistics.cancelled > 0 ? SubmitExitCode.failures : SubmitExitCode.success
        }
        let finishedAt = Clocks.monotonicNanoseconds()
        let stats = statistics
        let elapsed = stats.elapsedSeconds(now: finishedAt)
        let destination = configuration.outputPath == "-" ? "standard output" : configuration.outputPath
        var lines: [String] = []
        let plainFailures = stats.failed - stats.timedOut - stats.cancelled - stats.dependencySkipped
        var countParts = ["\(stats.succeeded) ok", "\(plainFailures) failed"]
        if stats.unschedulable > 0 { countParts.append("\(stats.unschedulable) of them unschedulable") }
        if stats.dependencySkipped > 0 { countParts.append("\(stats.dependencySkipped) skipped (a dependency did not succeed)") }
        if stats.timedOut > 0 { countParts.append("\(stats.timedOut) timed out") }
        if stats.cancelled > 0 { countParts.append("\(stats.cancelled) cancelled") }
        if stats.skipped > 0 { countParts.append("\(stats.skipped) already recorded, skipped") }
        let counts = countParts.joined(separator: ", ")
        let unfinished = stats.totalTasks - stats.recorded - stats.skipped
        var status: Int32
        switch ending ?? .completed {
        case .completed:
            let rate = ProgressDisplay.formatRate(elapsed > 0 ? Double(stats.recorded) / elapsed : 0)
            lines.append("jobrun: \(Self.tasks(stats.recorded)) in \(Self.seconds(elapsed)) (\(rate) tasks/s): \(counts)")
            status = inputFailure != nil ? SubmitExitCode.usage
                : stats.failed + stats.skippedFailures > 0 ? SubmitExitCode.failures : SubmitExitCode.success
            if stats.skippedFailures > 0 {
                lines.append(
                    "jobrun: \(Self.tasks(stats.skippedFailures)) recorded as failed by an earlier run "
                        + "\(stats.skippedFailures == 1 ? "was" : "were") not run again; `--resume --rerun-failed` runs "
                        + "\(stats.skippedFailures == 1 ? "it" : "them")")
            }
        case .interrupted where haltedBy != nil:
            lines.append(
                "jobrun: stopped by \(haltedBy!.description) after \(Self.seconds(elapsed)): \(stats.recorded) tasks recorded "
                    + "(\(counts)); `--resume` runs the rest")
            status = stats.failed > 0 ? SubmitExitCode.failures : SubmitExitCode.success
        case .interrupted:
            lines.append(
                "jobrun: interrupted after \(Self.seconds(elapsed)): \(stats.recorded) of \(stats.totalTasks) tasks recorded "
                    + "(\(counts)), \(unfinished) without a result; to run them: \(configuration.resumeCommand)"
            )
            status = SubmitExitCode.interrupted
        case .noWorkers:
            let why = workersGoneReason.map { " (\($0))" } ?? ""
            lines.append(
                "jobrun: no worker left\(why) after \(Self.seconds(elapsed)): \(unfinished) tasks were not run; "
                    + "\(stats.recorded) of \(stats.totalTasks) recorded (\(counts)); to run the rest: "
                    + configuration.resumeCommand
            )
            status = SubmitExitCode.failures
        }
        if let writeFailure {
            let unwritten = unwrittenLines
            lines.insert(
                "jobrun: stopped because results could not be written: \(writeFailure); "
                    + (unwritten > 0 ? "\(unwritten) finished task(s) could not be recorded; " : "")
                    + "\(destination) ends with its last whole result line; make room, then run: "
                    + configuration.resumeCommand,
                at: 0)
        }
        if writeFailure != nil { status = SubmitExitCode.failures }
        var failureLines: [String] = []
        if !stats.failureSamples.isEmpty {
            let more = stats.failed > stats.failureSamples.count ? " (first \(stats.failureSamples.count) of \(stats.failed))" : ""
            failureLines.append("jobrun: failed\(more):")
            for sample in stats.failureSamples { failureLines.append("  \(sample.description)") }
        }
        lines += failureLines
        var recovery: [String] = []
        if stats.retries > 0 { recovery.append("\(stats.retries) retries") }
        if stats.workersLost > 0 {
            let jobs = replacementSlurmJobs
            let replacedBy = jobs > 0 ? "\(stats.workersReplaced) restarted here, \(jobs) replacement Slurm worker job\(jobs == 1 ? "" : "s")" : "\(stats.workersReplaced) replaced"
            recovery.append("\(stats.workersLost) workers lost, \(replacedBy)")
        }
        if stats.requeued > 0 { recovery.append("\(stats.requeued) tasks requeued") }
        if stats.poisoned > 0 { recovery.append("\(stats.poisoned) tasks failed after repeated worker deaths") }
        if !recovery.isEmpty { lines.append("jobrun: recovery: " + recovery.joined(separator: ", ")) }
        let perWorker = identities.keys.sorted().map { id in "\(identities[id]!.name) \(stats.recordedByWorker[id] ?? 0)" }
        if !perWorker.isEmpty { lines.append("jobrun: tasks per worker: " + perWorker.joined(separator: ", ")) }
        if stats.rejectedFrames > 0 || stats.droppedResults > 0 {
            lines.append(
                "jobrun: dropped \(stats.rejectedFrames) undecodable messages and \(stats.droppedResults) late or duplicate results"
            )
        }
        if stats.refusedRegistrations > 0 {
            lines.append("jobrun: refused or dropped \(stats.refusedRegistrations) worker registrations that did not become ready")
        }
        if let hostLine { lines.append(hostLine) }
        if stats.outputsCut > 0 {
            let tasks = stats.outputsCut == 1 ? "1 task's" : "\(stats.outputsCut) tasks'"
            lines.append(
                "jobrun: \(tasks) output was cut at \(settings.outputCapBytes) bytes (output_cap_bytes); keep more with "
                    + "--output-cap SIZE (e.g. 10M, or 0 for as much as a result carries)")
        }
        let whereResults = configuration.keepsResults ? "; results in \(destination)" : ""
        if configuration.keepsResults { lines.append("jobrun: results in \(destination)") }
        if configuration.quiet {
            // Quiet shows errors only: the outcome, and which tasks failed and why.
            if status != SubmitExitCode.success {
                CoordinatorService.printError(lines[0] + whereResults)
                for line in failureLines { CoordinatorService.printError(line) }
            }
        } else {
            for line in lines { CoordinatorService.printError(line) }
        }
        return status
    }

    /// `1 task`, `2 tasks`.
    static func tasks(_ count: Int) -> String { count == 1 ? "1 task" : "\(count) tasks" }

    static func seconds(_ value: Double) -> String {
        value < 10 ? "\(Double(Int(value * 100)) / 100) s" : ProgressDisplay.formatDuration(value)
    }
}

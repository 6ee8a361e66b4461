import JSONValue
import ChildProcess
import Settings
import Clock
import Scheduler

extension CoordinatorService {
    /// Prints the summary (unless quiet) and returns the exit status for how the job ended.
    func finalReport() -> Int32 {
        let finishedAt = Clocks.monotonicNanoseconds()
        let stats = statistics!
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
        let status: Int32
        switch ending ?? .completed {
        case .completed:
            let rate = ProgressDisplay.formatRate(elapsed > 0 ? Double(stats.recorded) / elapsed : 0)
            lines.append("jobrun: \(stats.recorded) tasks in \(Self.seconds(elapsed)) (\(rate) tasks/s): \(counts)")
            status = stats.failed > 0 || inputFailure != nil ? SubmitExitCode.failures : SubmitExitCode.success
        case .interrupted:
            lines.append(
                "jobrun: interrupted after \(Self.seconds(elapsed)): \(stats.recorded) of \(stats.totalTasks) tasks recorded "
                    + "(\(counts)), \(unfinished) without a result; `--resume` runs them"
            )
            status = SubmitExitCode.interrupted
        case .noWorkers:
            lines.append(
                "jobrun: no worker left to run the remaining \(unfinished) tasks after \(Self.seconds(elapsed)); "
                    + "\(stats.recorded) of \(stats.totalTasks) recorded (\(counts)); `--resume` runs the rest"
            )
            status = SubmitExitCode.failures
        }
        var recovery: [String] = []
        if stats.retries > 0 { recovery.append("\(stats.retries) retries") }
        if stats.workersLost > 0 { recovery.append("\(stats.workersLost) workers lost, \(stats.workersReplaced) replaced") }
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
        if let hosts = hostSummary() { lines.append(hosts) }
        lines.append("jobrun: results in \(destination)")
        if configuration.quiet {
            if status != SubmitExitCode.success { Self.printError(lines[0] + "; results in \(destination)") }
        } else {
            for line in lines { Self.printError(line) }
        }
        return status
    }

    static func seconds(_ value: Double) -> String {
        value < 10 ? "\(Double(Int(value * 100)) / 100) s" : ProgressDisplay.formatDuration(value)
    }
}

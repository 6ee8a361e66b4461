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
        let counts = "\(stats.succeeded) ok, \(stats.failed) failed"
        let status: Int32
        switch ending ?? .completed {
        case .completed:
            let rate = ProgressDisplay.formatRate(elapsed > 0 ? Double(stats.recorded) / elapsed : 0)
            lines.append("jobrun: \(stats.recorded) tasks in \(Self.seconds(elapsed)) (\(rate) tasks/s): \(counts)")
            status = stats.failed > 0 || inputFailure != nil ? SubmitExitCode.failures : SubmitExitCode.success
        case .interrupted(let unfinished):
            lines.append(
                "jobrun: interrupted after \(Self.seconds(elapsed)): \(stats.recorded) of \(stats.totalTasks) tasks recorded "
                    + "(\(counts)), \(unfinished) without a result"
            )
            status = SubmitExitCode.interrupted
        case .noWorkers(let unfinished):
            lines.append(
                "jobrun: no worker left to run the remaining \(unfinished) tasks after \(Self.seconds(elapsed)); "
                    + "\(stats.recorded) of \(stats.totalTasks) recorded (\(counts))"
            )
            status = SubmitExitCode.failures
        }
        let perWorker = identities.keys.sorted().map { id in "\(identities[id]!.name) \(stats.recordedByWorker[id] ?? 0)" }
        if !perWorker.isEmpty { lines.append("jobrun: tasks per worker: " + perWorker.joined(separator: ", ")) }
        if stats.workersLost > 0 { lines.append("jobrun: workers lost: \(stats.workersLost)") }
        if stats.rejectedFrames > 0 || stats.droppedResults > 0 {
            lines.append(
                "jobrun: dropped \(stats.rejectedFrames) undecodable messages and \(stats.droppedResults) duplicate results"
            )
        }
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

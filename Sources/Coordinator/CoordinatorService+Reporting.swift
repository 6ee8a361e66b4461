#if canImport(Glibc)
import Glibc
#endif
import Scheduler
import TaskFile

extension CoordinatorService {
    /// Signals from the pipe: a child exited (reap it), or the user asked the job to stop.
    func handleSignals(_ numbers: [Int32]) {
        for number in numbers {
            if number == SIGCHLD {
                supply.reapLocalWorkers()
                continue
            }
            // A hang-up (the terminal closed) stops the job as SIGTERM does, with its summary.
            guard number == SIGINT || number == SIGTERM || number == SIGHUP else { continue }
            driver.requestStop(.interrupt)
        }
    }

    /// Prints the summary (unless quiet) and returns the exit status for how the job ended.
    func finalReport() -> Int32 {
        JobSummary(
            configuration: configuration, statistics: tally.statistics, ending: driver.ending, haltedBy: driver.stops.haltedBy,
            inputFailure: intake.inputFailure, workersGoneReason: driver.workersGoneReason, writeFailure: recorder.writeFailure,
            unwrittenLines: recorder.unwrittenLines, outputReaderGone: recorder.outputReaderGone,
            replacementSlurmJobs: hosts.slurm?.replacementJobs ?? 0, identities: roster.identities,
            hostLine: hosts.hostSummary(roster: roster, statistics: tally.statistics)
        ).print()
    }

    /// Why tasks wait, as one phrase for the progress line and observers; worked out at most twice a second.
    func waitingText(now: UInt64) -> String {
        if now &- waitingCache.at < 500_000_000 { return waitingCache.text }
        let counts = driver.scheduler.waitingCounts
        var parts: [String] = []
        if counts.dependencies > 0 { parts.append("\(counts.dependencies) for dependencies") }
        if counts.pools > 0 { parts.append("\(counts.pools) for pool places") }
        if counts.resources > 0 { parts.append("\(counts.resources) for free resources") }
        if counts.unplaceable > 0 { parts.append("\(counts.unplaceable) for a worker able to run them") }
        var text = parts.isEmpty ? "" : "waiting: " + parts.joined(separator: ", ")
        if !counts.lowMemoryHosts.isEmpty, let floor = configuration.memfreeBytes {
            let named = counts.lowMemoryHosts.prefix(3).map { "\($0.host) (\(ByteSize(bytes: $0.freeBytes)) free)" }
            let more = counts.lowMemoryHosts.count > 3 ? " and \(counts.lowMemoryHosts.count - 3) more" : ""
            text += (text.isEmpty ? "" : "; ") + "below --memfree \(ByteSize(bytes: floor)), starting nothing on "
                + named.joined(separator: ", ") + more
        }
        waitingCache = (now, text)
        return text
    }
}

import JSONValue
import ChildProcess
import Settings
import Clock
import Scheduler

extension CoordinatorService {
    /// Prints the summary (unless quiet) and returns the exit status for how the job ended.
    func finalReport() -> Int32 {
        JobSummary(
            configuration: configuration, statistics: tally.statistics, ending: ending, haltedBy: stops.haltedBy,
            inputFailure: intake.inputFailure, workersGoneReason: workersGoneReason, writeFailure: recorder.writeFailure,
            unwrittenLines: recorder.unwrittenLines, outputReaderGone: recorder.outputReaderGone,
            replacementSlurmJobs: hosts.slurm?.replacementJobs ?? 0, identities: roster.identities,
            hostLine: hosts.hostSummary(roster: roster, statistics: tally.statistics)
        ).print()
    }
}

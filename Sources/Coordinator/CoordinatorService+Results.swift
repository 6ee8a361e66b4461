#if canImport(Glibc)
import Glibc
#endif
import Scheduler

extension CoordinatorService {
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
            Self.printError("jobrun: \(leftover): removed, left by a run stopped while it compacted the results")
        }
        if earlier.supersededLines > 0 {
            let dropped = try ResultFileLines.compact(file)
            Self.printError(
                "jobrun: \(file.path): removed \(dropped) superseded result line(s) left by a run stopped before its final "
                    + "rewrite; each task now has one line")
        }
    }

    /// A result could not be written: stops dispatching (as a first interrupt does: running tasks may finish and
    /// their results wait in memory for another attempt each turn), and says so once.
    func resultsCannotBeWritten(_ error: any Error) {
        guard writeFailure == nil else { return }
        writeFailure = "\(error)"
        progress.message(
            "jobrun: \(error); no new task is started, and the results of running tasks are written if room comes back")
        perform(scheduler.handle(.interrupt, now: now()), batch: nil)
    }

    private func reportJournal(_ journal: ResultJournal) {
        if journal.repairedBytes > 0 {
            Self.printError(
                "jobrun: \(configuration.outputPath): cut off a torn last line (\(journal.repairedBytes) bytes) left by an "
                    + "interrupted run")
        }
        if journal.unreadableLines > 0 {
            Self.printError("jobrun: \(configuration.outputPath): skipped \(journal.unreadableLines) line(s) that are not results")
        }
    }
}

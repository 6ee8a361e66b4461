/// The job's running counts and its progress line, shared by the parts of the coordinator's driver: each adds what
/// it saw (a refused registration, a lost worker, a recorded result) and says what the user should read.
///
/// Threads: used on the coordinator's thread only.
final class JobTally {
    /// Set when the job starts (its start time is the clock's then).
    var statistics: JobStatistics!
    var progress: ProgressDisplay

    init(progress: ProgressDisplay) {
        self.progress = progress
    }
}

/// Decides when the machine's out-of-memory kill count (`oom_kill` in /proc/vmstat) must be read again before a
/// process tree's program starts, and when the last reading will do. Pure: the time comes in with each event.
///
/// The count before a program starts only matters if the program later dies of a SIGKILL nobody in jobrun sent: a
/// kill by the kernel counted after the start says the kernel may have killed it. The count only grows, so a
/// reading taken a moment before the start is never above the true count at the start: reusing it can only add the
/// kills of that moment to the program's run, never hide one that happened during it. Reading /proc/vmstat makes
/// the kernel format every counter it keeps (about 40 us on a 2-core machine, more than 3% of a whole fork/exec of
/// `/bin/true`), so a reading is reused for `maxAgeNanoseconds`.
struct OOMKillBaseline {
    /// How long a reading serves as the count before a start: kills on the machine up to this long before a program
    /// started are counted as happening during its run.
    let maxAgeNanoseconds: UInt64
    private var last: (count: UInt64, at: UInt64)?

    init(maxAgeNanoseconds: UInt64) {
        self.maxAgeNanoseconds = maxAgeNanoseconds
    }

    /// What to do before a program starts at `now`.
    enum Decision: Equatable {
        /// Use this count: it was read at most `maxAgeNanoseconds` ago.
        case reuse(UInt64)
        /// Read the count, and report it with `recorded`.
        case read
    }

    /// Whether the last reading serves for a program starting at `now` (a clock that went backwards never reuses).
    func beforeStart(now: UInt64) -> Decision {
        guard let last, now >= last.at, now - last.at <= maxAgeNanoseconds else { return .read }
        return .reuse(last.count)
    }

    /// A reading of the count taken at `now` (before a start, or after a program ended).
    mutating func recorded(_ count: UInt64, now: UInt64) {
        if let last, last.at > now { return }
        last = (count, now)
    }
}

/// Decides when a lost local worker is replaced, and when replacing them is pointless: a crash-loop policy in the
/// manner of a process supervisor, as a pure state machine (no IO, no clock reads).
///
/// A worker that finished at least one task before it was lost proved that workers can run this job, so it is
/// replaced at once, however often that happens: a job is never left short of workers by a fixed allowance. Only
/// workers that die before finishing anything count towards a crash loop; each such death in a row doubles the
/// delay before the next replacement (capped). Replacing stops only when `crashLoopLimit` workers in a row died
/// without finishing a task and no task finished anywhere meanwhile, so the job could make no progress at all.
///
/// A coordinator that was frozen (stopped, or starved of CPU) sees its workers' deaths late or causes them itself
/// (they give up on a silent coordinator); deaths noticed shortly after such a freeze are not held against workers.
public struct WorkerSupervisor: Sendable {
    /// The knobs of the crash-loop policy (settings `crash_loop_limit`, `restart_backoff_ms`, `restart_backoff_max_ms`).
    public struct Policy: Sendable, Equatable {
        /// Workers in a row that may die without finishing a task, while no task finishes, before replacing stops.
        public var crashLoopLimit: Int
        /// The delay before replacing the first worker that died without finishing a task; doubled for each one more.
        public var backoffMilliseconds: Int
        public var backoffMaxMilliseconds: Int
        /// A gap between two events longer than this means the coordinator itself was frozen.
        public var freezeMilliseconds: Int
        /// How long after a freeze worker deaths are blamed on it rather than on the workers.
        public var freezeExcuseMilliseconds: Int

        public init(
            crashLoopLimit: Int = 10, backoffMilliseconds: Int = 100, backoffMaxMilliseconds: Int = 30_000,
            freezeMilliseconds: Int = 1000, freezeExcuseMilliseconds: Int = 3000
        ) {
            self.crashLoopLimit = crashLoopLimit
            self.backoffMilliseconds = backoffMilliseconds
            self.backoffMaxMilliseconds = backoffMaxMilliseconds
            self.freezeMilliseconds = freezeMilliseconds
            self.freezeExcuseMilliseconds = freezeExcuseMilliseconds
        }
    }

    /// Something the supervisor hears about.
    public enum Event: Sendable, Equatable {
        /// A local worker is gone; `productive` when it finished a task first (or was stopped on purpose).
        /// `cause` says how it ended, for the give-up message.
        case workerLost(productive: Bool, cause: String)
        /// Some worker finished a task: the job is making progress.
        case taskFinished
        /// Time passed: start replacements that are due.
        case tick
    }

    /// What the driver must do.
    public enum Action: Sendable, Equatable {
        /// Start one replacement worker now.
        case spawn
        /// A replacement will start at `due` (reported so the delay can be explained); nothing to do yet.
        case spawnScheduled(due: Instant, delayMilliseconds: Int, fruitlessInARow: Int)
        /// Lost workers are not replaced any more, for this reason.
        case giveUp(reason: String)
    }

    public let policy: Policy
    /// Deaths in a row of workers that finished nothing (not counting deaths excused by a freeze).
    public private(set) var fruitlessInARow = 0
    /// Whether a task finished since the current run of fruitless deaths began.
    private var progressDuringRun = false
    /// Replacements waiting out their backoff.
    public private(set) var scheduled: [Instant] = []
    /// Set once replacing stopped.
    public private(set) var gaveUpReason: String?
    private var lastEvent: Instant?
    private var excusedUntil: Instant?

    public init(policy: Policy) { self.policy = policy }

    /// Replacements that will start when their delay ends.
    public var pendingCount: Int { scheduled.count }

    /// The earliest scheduled replacement, if any (when the driver should tick next at the latest).
    public var nextDue: Instant? { scheduled.min() }

    /// Applies one event at `now` and returns what to do.
    public mutating func handle(_ event: Event, now: Instant) -> [Action] {
        noteTime(now)
        guard gaveUpReason == nil else { return [] }
        switch event {
        case .taskFinished:
            progressDuringRun = true
            return []
        case .tick:
            let due = scheduled.filter { $0 <= now }
            scheduled.removeAll { $0 <= now }
            return due.map { _ in .spawn }
        case .workerLost(let productive, let cause):
            if productive || isExcused(now) {
                if productive {
                    fruitlessInARow = 0
                    progressDuringRun = false
                }
                return [.spawn]
            }
            if fruitlessInARow == 0 { progressDuringRun = false }
            fruitlessInARow += 1
            if fruitlessInARow >= policy.crashLoopLimit, !progressDuringRun {
                let reason =
                    "\(fruitlessInARow) workers in a row died before finishing any task (the last one \(cause)), and "
                    + "no task finished meanwhile: a crash loop (crash_loop_limit = \(policy.crashLoopLimit))"
                gaveUpReason = reason
                scheduled = []
                return [.giveUp(reason: reason)]
            }
            let delay = backoff(fruitlessInARow)
            let due = now.advanced(byMilliseconds: delay)
            scheduled.append(due)
            return [.spawnScheduled(due: due, delayMilliseconds: delay, fruitlessInARow: fruitlessInARow)]
        }
    }

    /// Forgets scheduled replacements (the job no longer needs workers: it is stopping).
    public mutating func cancelScheduled() { scheduled = [] }

    /// The delay before the replacement after the `count`th fruitless death in a row: exponential, capped.
    func backoff(_ count: Int) -> Int {
        let base = max(policy.backoffMilliseconds, 0)
        let shift = min(count - 1, 30)
        let (doubled, overflow) = base.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? policy.backoffMaxMilliseconds : min(doubled, policy.backoffMaxMilliseconds)
    }

    /// A long gap since the last event means the coordinator was frozen: deaths seen soon after are excused. The
    /// scheduler calls this with every event it handles, as its driver sends one at least every tick.
    mutating func noteTime(_ now: Instant) {
        if let last = lastEvent, now > last.advanced(byMilliseconds: policy.freezeMilliseconds) {
            excusedUntil = now.advanced(byMilliseconds: policy.freezeExcuseMilliseconds)
        }
        if lastEvent.map({ now > $0 }) ?? true { lastEvent = now }
    }

    private func isExcused(_ now: Instant) -> Bool { excusedUntil.map { now <= $0 } ?? false }
}

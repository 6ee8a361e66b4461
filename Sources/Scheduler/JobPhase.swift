/// Where the job is in its life, and the interrupt protocol that moves it on: the first interrupt drains (no new
/// dispatch; running tasks may finish), a second one or the end of the interrupt grace cancels the running tasks, and
/// the end of the kill grace (plus one heartbeat, for their reports) ends the job without them.
///
/// It exists so that these rules and their timers are one small machine; SchedulerState carries out each step it
/// returns.
struct JobPhase: Sendable {
    enum Stage: Sendable, Equatable {
        case running
        /// Interrupted: no new dispatch; running tasks may finish until the grace ends.
        case draining(since: Instant)
        /// Running tasks have been told to stop.
        case cancelling(since: Instant)
        case finished
    }

    /// What the scheduler must do when the stage changes.
    enum Step: Sendable, Equatable {
        /// Empty the queues and tell every worker to take no more tasks.
        case drain
        /// Tell every worker to stop its running tasks.
        case cancel
        /// End the job as interrupted.
        case finishInterrupted
    }

    private(set) var stage = Stage.running
    /// How long running tasks may finish after an interrupt before they are cancelled.
    let interruptGraceMilliseconds: Int
    /// How long cancelled tasks have to be reported before the job ends without them.
    let cancelGraceMilliseconds: Int

    init(interruptGraceMilliseconds: Int, cancelGraceMilliseconds: Int) {
        self.interruptGraceMilliseconds = interruptGraceMilliseconds
        self.cancelGraceMilliseconds = cancelGraceMilliseconds
    }

    var isRunning: Bool { stage == .running }
    var isFinished: Bool { stage == .finished }

    /// An interrupt: drains a running job, cancels a draining one.
    mutating func interrupt(now: Instant) -> Step? {
        switch stage {
        case .running:
            stage = .draining(since: now)
            return .drain
        case .draining:
            stage = .cancelling(since: now)
            return .cancel
        case .cancelling, .finished:
            return nil
        }
    }

    /// On every tick: cancels when the interrupt grace is over, ends the job when the cancel grace is.
    mutating func checkGrace(now: Instant) -> Step? {
        switch stage {
        case .draining(let since) where now >= since.advanced(byMilliseconds: interruptGraceMilliseconds):
            stage = .cancelling(since: now)
            return .cancel
        case .cancelling(let since) where now >= since.advanced(byMilliseconds: cancelGraceMilliseconds):
            stage = .finished
            return .finishInterrupted
        default:
            return nil
        }
    }

    mutating func finish() { stage = .finished }
}

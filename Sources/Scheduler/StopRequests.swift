/// The requests to stop a job and what each one means, decided in one place. The first interrupt (Ctrl-C, SIGTERM,
/// a hang-up) lets running tasks finish; the second stops them. A `--halt` condition that is met counts, once, as
/// the first (`soon`) or as both (`now`). A reader of jobrun's output that went away stops everything, quietly. Each
/// step is one `.interrupt` event for the scheduler, which does the draining and stopping.
public struct StopRequests: Sendable, Equatable {
    public enum Request: Sendable, Equatable {
        /// Ctrl-C, SIGTERM or SIGHUP.
        case interrupt
        /// A `--halt` condition is met, with the urgency it asks for.
        case halt(HaltPolicy, HaltPolicy.Urgency)
        /// The reader of jobrun's standard output (task output, or results with `-o -`) went away.
        case readerGone
    }

    /// What the user is told about a request.
    public enum Notice: Sendable, Equatable {
        /// The first interrupt: running tasks may finish (for the interrupt grace).
        case lettingTasksFinish
        /// The second interrupt: running tasks are stopped now.
        case stoppingTasks
        /// A `--halt` condition was met.
        case halted(HaltPolicy, HaltPolicy.Urgency)
    }

    /// What to do about a request.
    public struct Outcome: Sendable, Equatable {
        /// How many `.interrupt` events the scheduler hears now.
        public var interrupts: Int
        public var notice: Notice?

        public init(interrupts: Int, notice: Notice? = nil) {
            self.interrupts = interrupts
            self.notice = notice
        }
    }

    /// How far stopping has gone: 1 once running tasks may only finish, 2 or more once they are being stopped
    /// (each interrupt counts; a gone reader sets it to 2).
    public private(set) var interruptCount = 0
    /// The `--halt` condition that stopped the job early, once one was met.
    public private(set) var haltedBy: HaltPolicy?

    public init() {}

    public mutating func handle(_ request: Request) -> Outcome {
        switch request {
        case .interrupt:
            interruptCount += 1
            let notice: Notice? = interruptCount == 1 ? .lettingTasksFinish : interruptCount == 2 ? .stoppingTasks : nil
            return Outcome(interrupts: 1, notice: notice)
        case .halt(let policy, let urgency):
            guard haltedBy == nil else { return Outcome(interrupts: 0) }
            haltedBy = policy
            let before = interruptCount
            interruptCount = max(interruptCount, urgency == .now ? 2 : 1)
            return Outcome(interrupts: interruptCount - before, notice: .halted(policy, urgency))
        case .readerGone:
            // Once running tasks are being stopped anyway there is nothing more to ask.
            guard interruptCount < 2 else { return Outcome(interrupts: 0) }
            interruptCount = 2
            return Outcome(interrupts: 2)
        }
    }
}

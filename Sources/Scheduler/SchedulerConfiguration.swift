extension SchedulerState {
    /// The knobs the scheduler follows (see `config/jobrun.conf`).
    public struct Configuration: Sendable, Equatable {
        public var maxBatch: Int
        public var prefetchTargetMicroseconds: Int
        public var initialPrefetch: Int
        public var readAhead: Int
        public var heartbeatMilliseconds: Int
        public var heartbeatMisses: Int
        public var interruptGraceMilliseconds: Int
        public var killGraceMilliseconds: Int
        /// Worker deaths while running a task after which the task is recorded as failed instead of requeued.
        public var poisonLimit: Int
        /// The first retry's delay; each further retry doubles it, up to `retryBackoffMaxMilliseconds`.
        public var retryBackoffMilliseconds: Int
        public var retryBackoffMaxMilliseconds: Int
        /// When lost local workers are replaced, and when replacing them stops.
        public var workerSupervision: WorkerSupervisor.Policy
        /// How long local workers have to join before the job ends for want of any.
        public var workerStartTimeoutMilliseconds: Int
        /// Retries for tasks that do not set their own.
        public var defaultRetries: Int
        /// With `--resume`: run again the tasks an earlier run recorded as not ok (else they keep that result).
        public var rerunFailed: Bool
        /// Some task waits for others (`after`): remember how every task ended, for tasks loaded later.
        public var tracksDependencies: Bool
        /// The pools tasks may join, by index.
        public var pools: [PoolConfiguration]
        /// `--memfree`: no task starts on a host whose free memory is below this.
        public var memfreeBytes: UInt64?
        /// How long tasks no connected worker can run wait, once nothing else is left, before they are recorded
        /// unschedulable (time for more workers to join).
        public var unschedulableGraceMilliseconds: Int

        public init(
            maxBatch: Int = 1024, prefetchTargetMicroseconds: Int = 20_000, initialPrefetch: Int = 1,
            readAhead: Int = 8192, heartbeatMilliseconds: Int = 1000, heartbeatMisses: Int = 3,
            interruptGraceMilliseconds: Int = 3000, killGraceMilliseconds: Int = 2000, poisonLimit: Int = 3,
            retryBackoffMilliseconds: Int = 1000, retryBackoffMaxMilliseconds: Int = 60_000,
            workerSupervision: WorkerSupervisor.Policy = .init(), workerStartTimeoutMilliseconds: Int = 15_000,
            defaultRetries: Int = 0, rerunFailed: Bool = false, tracksDependencies: Bool = false,
            pools: [PoolConfiguration] = [], memfreeBytes: UInt64? = nil, unschedulableGraceMilliseconds: Int = 0
        ) {
            self.unschedulableGraceMilliseconds = unschedulableGraceMilliseconds
            self.defaultRetries = defaultRetries
            self.rerunFailed = rerunFailed
            self.tracksDependencies = tracksDependencies
            self.pools = pools
            self.memfreeBytes = memfreeBytes
            self.maxBatch = maxBatch
            self.prefetchTargetMicroseconds = prefetchTargetMicroseconds
            self.initialPrefetch = initialPrefetch
            self.readAhead = readAhead
            self.heartbeatMilliseconds = heartbeatMilliseconds
            self.heartbeatMisses = heartbeatMisses
            self.interruptGraceMilliseconds = interruptGraceMilliseconds
            self.killGraceMilliseconds = killGraceMilliseconds
            self.poisonLimit = poisonLimit
            self.retryBackoffMilliseconds = retryBackoffMilliseconds
            self.retryBackoffMaxMilliseconds = retryBackoffMaxMilliseconds
            self.workerSupervision = workerSupervision
            self.workerStartTimeoutMilliseconds = workerStartTimeoutMilliseconds
        }
    }
}

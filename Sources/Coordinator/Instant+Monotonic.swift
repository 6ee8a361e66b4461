import Clock
import Scheduler

extension Instant {
    /// The monotonic clock's reading now, as the scheduler's time.
    static func monotonicNow() -> Instant { Instant(nanoseconds: Clocks.monotonicNanoseconds()) }
}

/// How many tasks a worker may hold beyond its slots, from the measured task duration.
///
/// It exists so that workers keep about `targetMicroseconds` of queued work each (short tasks do not wait on a round
/// trip to the coordinator) without hoarding long tasks another worker could start: one place folds reported
/// durations into a mean and turns that mean into a limit.
struct PrefetchSizer: Sendable {
    /// Queued work a worker should hold beyond its running tasks.
    let targetMicroseconds: Int
    /// The prefetch before any duration is known.
    let initial: Int
    /// The largest prefetch (and dispatch batch).
    let maximum: Int
    /// Exponentially weighted mean of reported durations of CPU-bound tasks, once any is known.
    private(set) var meanDurationMicroseconds: Double?
    /// The same for IO-bound tasks (a wait's length says nothing about CPU work, and the reverse).
    private(set) var meanIODurationMicroseconds: Double?

    init(targetMicroseconds: Int, initial: Int, maximum: Int) {
        self.targetMicroseconds = targetMicroseconds
        self.initial = initial
        self.maximum = maximum
    }

    /// How many tasks a worker with `slots` may hold: its slots plus a prefetch sized so that it holds about
    /// `targetMicroseconds` of queued work (none for tasks longer than that).
    func holdLimit(slots: Int) -> Int {
        guard let mean = meanDurationMicroseconds else { return slots + initial }
        let prefetch = Double(targetMicroseconds) / max(mean, 1)
        return slots + Int(min(prefetch.rounded(.down), Double(maximum)))
    }

    /// How many IO-bound tasks a worker running `ioConcurrency` at once may hold: those, plus the ones it finishes in
    /// about `targetMicroseconds` (at most `ioConcurrency` more), so that a finished wait is followed at once by the
    /// next instead of by a round trip to the coordinator. None beyond its IO concurrency until a duration is known.
    func ioHoldLimit(ioConcurrency: Int) -> Int {
        guard let mean = meanIODurationMicroseconds else { return ioConcurrency }
        let prefetch = Double(ioConcurrency) * Double(targetMicroseconds) / max(mean, 1)
        return ioConcurrency + Int(min(prefetch.rounded(.down), Double(min(ioConcurrency, maximum))))
    }

    /// Folds a reported duration into the mean of its kind: rise fast, fall slowly, so one long task among short ones
    /// shrinks the prefetch at once and workers do not hoard the long tasks that follow.
    mutating func noteDuration(_ microseconds: UInt64, isIO: Bool = false) {
        if isIO {
            Self.fold(microseconds, into: &meanIODurationMicroseconds)
        } else {
            Self.fold(microseconds, into: &meanDurationMicroseconds)
        }
    }

    private static func fold(_ microseconds: UInt64, into mean: inout Double?) {
        let duration = Double(microseconds)
        if let current = mean {
            mean = current + (duration - current) * (duration > current ? 0.5 : 0.02)
        } else {
            mean = duration
        }
    }
}

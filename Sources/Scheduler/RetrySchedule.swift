/// Failed tasks waiting out their retry delay, and how long each waits.
///
/// It exists so that the backoff (exponential, capped, jittered) and the tasks it holds back live in one place: a
/// task here is in no ready queue and on no worker until its delay is over.
struct RetrySchedule: Sendable {
    /// The first retry's delay; each further retry doubles it, up to `maximumMilliseconds`.
    let baseMilliseconds: Int
    let maximumMilliseconds: Int
    /// The tasks waiting, with when they may run again, in the order they failed.
    private var delayed: [(due: Instant, sequence: UInt64)] = []

    init(baseMilliseconds: Int, maximumMilliseconds: Int) {
        self.baseMilliseconds = baseMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
    }

    var count: Int { delayed.count }
    var isEmpty: Bool { delayed.isEmpty }

    /// Holds a task back for retry number `retry` (from 1) and returns the delay, in milliseconds.
    mutating func schedule(_ sequence: UInt64, retry: Int, now: Instant) -> Int {
        let delay = delay(sequence: sequence, retry: retry)
        delayed.append((now.advanced(byMilliseconds: delay), sequence))
        return delay
    }

    /// The delay before retry number `retry` (from 1): exponential, capped, with jitter between half and all of
    /// it so that tasks failing together do not retry together. The jitter is derived from the task and retry
    /// numbers, keeping the state machine deterministic.
    func delay(sequence: UInt64, retry: Int) -> Int {
        let exponential = min(baseMilliseconds << min(retry - 1, 20), maximumMilliseconds)
        var mix = sequence &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(retry) &* 0xBF58_476D_1CE4_E5B9
        mix ^= mix >> 31
        let fraction = Double(mix % 1000) / 1000
        return Int(Double(exponential) * (0.5 + fraction / 2))
    }

    /// Removes and returns the tasks whose delay is over, in the order they failed.
    mutating func takeDue(now: Instant) -> [UInt64] {
        guard !delayed.isEmpty else { return [] }
        var due: [UInt64] = []
        var waiting: [(due: Instant, sequence: UInt64)] = []
        for entry in delayed {
            if entry.due <= now { due.append(entry.sequence) } else { waiting.append(entry) }
        }
        delayed = waiting
        return due
    }

    /// Forgets a task (its result came after all).
    mutating func remove(_ sequence: UInt64) { delayed.removeAll { $0.sequence == sequence } }

    /// Forgets every task (the job is interrupted).
    mutating func removeAll() { delayed = [] }
}

#if canImport(Glibc)
import Glibc
#endif

/// The two clocks jobrun reads: monotonic for durations and deadlines, real time for timestamps users see.
///
/// Plain integer nanoseconds rather than `ContinuousClock` and `Duration`, for two reasons. Speed: the coordinator and
/// the workers read the clock and do deadline arithmetic several times per task, and in an optimized build on the
/// project's 2-core machine `ContinuousClock.now` with a `Duration` difference cost about 480 ns against 130 ns for
/// `clock_gettime` with an integer difference, and `Duration`'s 128-bit arithmetic about fifty times integer
/// arithmetic. Boundaries: times travel as integers on the wire, in the event log and in the results file, so
/// integers need no conversion at each crossing. The scheduler's `Instant` wraps these nanoseconds so that its
/// driver, not the scheduler, reads the clock.
public enum Clocks {
    /// Nanoseconds on the monotonic clock (unaffected by wall-clock changes).
    public static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Microseconds since the Unix epoch, UTC.
    public static func realTimeMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec / 1000)
    }

    /// RFC 3339 UTC text with milliseconds, e.g. `2026-11-21T23:59:25.123Z`.
    public static func rfc3339(microseconds: Int64) -> String {
        var seconds = time_t(microseconds / 1_000_000)
        let millis = Int((microseconds % 1_000_000) / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}

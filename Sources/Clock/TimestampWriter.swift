/// Appends RFC 3339 UTC timestamps with milliseconds (`2026-11-21T23:59:25.123Z`) to byte buffers, fast.
///
/// Result lines arrive many per second; the date and time up to the second is formatted once per distinct second
/// and reused.
public struct TimestampWriter: Sendable {
    private var cachedSecond = Int64.min
    private var cachedPrefix: [UInt8] = []

    public init() {}

    /// The last instant written as itself: the end of year 9999.
    public static let latestMicroseconds: Int64 = 253_402_300_799_999_999

    /// Appends the timestamp for `microseconds` since the Unix epoch. Instants before 1970 or after year 9999 (only
    /// a broken or hostile worker reports them) are written as the nearest of the two, never trapping.
    public mutating func append(microseconds unchecked: Int64, to buffer: inout [UInt8]) {
        let microseconds = min(max(unchecked, 0), Self.latestMicroseconds)
        let second = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        if second != cachedSecond {
            cachedSecond = second
            let text = Clocks.rfc3339(microseconds: second * 1_000_000)
            cachedPrefix = Array(text.utf8.dropLast(4))  // without "000Z"
        }
        buffer.append(contentsOf: cachedPrefix)
        let millis = Int((microseconds - second * 1_000_000) / 1000)
        let tail: (UInt8, UInt8, UInt8, UInt8) = (
            UInt8(ascii: "0") + UInt8(millis / 100), UInt8(ascii: "0") + UInt8(millis / 10 % 10),
            UInt8(ascii: "0") + UInt8(millis % 10), UInt8(ascii: "Z")
        )
        withUnsafeBytes(of: tail) { buffer.append(contentsOf: $0) }
    }
}

/// Appends an unsigned integer's decimal digits to a byte buffer without creating a String.
///
/// The digits are written back to front into a stack buffer and appended at once: one capacity check instead of one
/// per digit (each result line and event carries several numbers).
public func appendDecimal(_ value: UInt64, to buffer: inout [UInt8]) {
    if value < 10 {
        buffer.append(UInt8(ascii: "0") + UInt8(value))
        return
    }
    // UInt64.max has 20 digits.
    var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
    withUnsafeMutableBytes(of: &digits) { raw in
        var start = 20
        var remaining = value
        while remaining > 0 {
            start -= 1
            raw[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remaining % 10)
            remaining /= 10
        }
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start..<20]))
    }
}

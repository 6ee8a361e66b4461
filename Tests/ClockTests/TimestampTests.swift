import Clock
import Testing

@Suite("Timestamps")
struct TimestampTests {
    @Test("RFC 3339 text for known instants", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (Int64(1_795_305_565_123_456), "2026-11-21T23:59:25.123Z"),
        (Int64(951_782_400_999_999), "2000-02-29T00:00:00.999Z"),
    ])
    func formats(microseconds: Int64, expected: String) {
        #expect(Clocks.rfc3339(microseconds: microseconds) == expected)
        var writer = TimestampWriter()
        var bytes: [UInt8] = []
        writer.append(microseconds: microseconds, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test("the cached writer agrees with the formatter across second boundaries")
    func cacheAgrees() {
        var writer = TimestampWriter()
        for step in 0..<3000 {
            let microseconds = Int64(1_795_305_564_000_000) + Int64(step) * 1_337
            var bytes: [UInt8] = []
            writer.append(microseconds: microseconds, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == Clocks.rfc3339(microseconds: microseconds))
        }
    }

    @Test("instants a hostile worker may report are clamped to 1970 .. 9999, never trapping", arguments: [
        (Int64.min, "1970-01-01T00:00:00.000Z"), (Int64(-1), "1970-01-01T00:00:00.000Z"),
        (Int64.max, "9999-12-31T23:59:59.999Z"),
    ])
    func clamped(microseconds: Int64, expected: String) {
        var writer = TimestampWriter()
        var bytes: [UInt8] = []
        writer.append(microseconds: microseconds, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test("decimal digits", arguments: [UInt64(0), 7, 10, 999, 1_000_000, UInt64.max])
    func decimals(value: UInt64) {
        var bytes: [UInt8] = []
        appendDecimal(value, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == String(value))
    }
}

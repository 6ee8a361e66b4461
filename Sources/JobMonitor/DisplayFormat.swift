public import JSONValue

/// Numbers, ids and durations as the job views show them.
public enum DisplayFormat {
    /// A task id for people: a string id as is (no quotes), an integer id as its digits.
    public static func taskID(_ id: JSONValue) -> String { id.stringValue ?? id.text }

    /// A clock-style duration: `0:07`, `12:03`, `1:02:03`.
    public static func clock(seconds: Double) -> String {
        let total = Int(max(seconds, 0).rounded())
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(two(minutes)):\(two(secs))" : "\(minutes):\(two(secs))"
    }

    /// A task duration: `0`, `850 µs`, `12 ms`, `1.3 s`, `2:05`.
    public static func duration(microseconds: UInt64) -> String {
        if microseconds == 0 { return "0" }
        if microseconds < 1000 { return "\(microseconds) µs" }
        if microseconds < 1_000_000 { return "\(decimal(Double(microseconds) / 1000)) ms" }
        if microseconds < 60_000_000 { return "\(decimal(Double(microseconds) / 1e6)) s" }
        return clock(seconds: Double(microseconds) / 1e6)
    }

    /// An age: `12s`, `5m`, `3h`, `2d`.
    public static func age(seconds: Double) -> String {
        let value = Int(max(seconds, 0))
        if value < 120 { return "\(value)s" }
        if value < 7200 { return "\(value / 60)m" }
        if value < 172_800 { return "\(value / 3600)h" }
        return "\(value / 86400)d"
    }

    /// A rate: whole numbers from 100 up, one decimal below.
    public static func rate(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(Double(Int(value * 10)) / 10)
    }

    /// Up to three significant digits: `1.25`, `12.5`, `125`.
    public static func decimal(_ value: Double) -> String {
        if value >= 100 { return String(Int(value.rounded())) }
        let scale = value >= 10 ? 10.0 : 100.0
        var text = String(Double(Int((value * scale).rounded())) / scale)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// `text` padded with spaces (or cut with `…`) to `width` characters.
    public static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        if text.count > width { return String(text.prefix(max(width - 1, 0))) + "…" }
        let fill = String(repeating: " ", count: width - text.count)
        return right ? fill + text : text + fill
    }

    /// `text` on one line: newlines and tabs become spaces, and at most `limit` characters are kept.
    public static func oneLine(_ text: String, limit: Int = 160) -> String {
        var flat = String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
        if flat.count > limit { flat = String(flat.prefix(limit - 1)) + "…" }
        return flat
    }
}

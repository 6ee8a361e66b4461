import JSONValue
import TaskFile

/// One of the first failed tasks, kept so the summary can name it with its error and the last line it wrote to
/// standard error (a "0 ok, 200 failed" summary says which failed and why).
struct FailureSample {
    /// How many the summary names.
    static let kept = 3

    let id: String
    let error: String
    /// The last non-empty line of the task's standard error, if any (see `stderrTail(of:)`).
    let stderrTail: String?

    /// The sample for a failed task's result body, parsed with `JSONParser` (nil when it is not a JSON object).
    init(id: String, body: JSONObject?) {
        self.id = id
        error = body?["error"]?.stringValue ?? "failed"
        stderrTail = Self.stderrTail(of: body)
    }

    /// The last non-empty line of a result body's `stderr`: what the summary, `jobrun tail` and `jobrun report`
    /// show beside a failure.
    static func stderrTail(of body: JSONObject?) -> String? {
        body?["stderr"]?.stringValue.flatMap { lastLine($0) }
    }

    /// The last line of `text` that is not blank, safe to print on one line of a terminal, an HTML cell or a JSON
    /// string: control characters (NUL, escape, carriage return...) and bytes that are not UTF-8 (`LosslessText`
    /// escapes) become U+FFFD, tabs spaces, and a line longer than `limit` Unicode scalars is cut there with `…`
    /// (scalars, not characters, so the bytes stay bounded too). Reads backwards from the end, so a long stderr
    /// costs only its last line.
    static func lastLine(_ text: String, limit: Int = 200) -> String? {
        let scalars = text.unicodeScalars
        var end = scalars.endIndex
        while end > scalars.startIndex {
            var start = end
            while start > scalars.startIndex, !isLineBreak(scalars[scalars.index(before: start)]) {
                start = scalars.index(before: start)
            }
            let line = scalars[start..<end]
            if !line.allSatisfy(\.properties.isWhitespace) { return printable(line, limit: limit) }
            guard start > scalars.startIndex else { return nil }
            end = scalars.index(before: start)
        }
        return nil
    }

    private static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    private static func printable(_ line: Substring.UnicodeScalarView, limit: Int) -> String {
        var text = String.UnicodeScalarView()
        for scalar in line.prefix(limit) {
            switch scalar.value {
            case 0x09: text.append(" ")
            case 0x00...0x1F, 0x7F...0x9F: text.append("\u{FFFD}")
            default: text.append(LosslessText.byte(of: scalar) == nil ? scalar : "\u{FFFD}")
            }
        }
        return String(text) + (line.count > limit ? "…" : "")
    }

    /// `task 7: command exited with status 1 (stderr: gzip: x: No such file or directory)`.
    var description: String {
        "task \(id): \(error)" + (stderrTail.map { " (stderr: \($0))" } ?? "")
    }
}

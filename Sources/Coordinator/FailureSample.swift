import JSONValue

/// One of the first failed tasks, kept so the summary can name it with its error and the last line it wrote to
/// standard error (a "0 ok, 200 failed" summary says which failed and why).
struct FailureSample {
    /// How many the summary names.
    static let kept = 3

    let id: String
    let error: String
    /// The last non-empty line of the task's standard error, if any (at most 200 characters).
    let stderrTail: String?

    /// The sample for a failed task's result body.
    init(id: String, body: [UInt8]) {
        self.id = id
        let object = (try? JSONParser.parse(body))?.objectValue
        error = object?["error"]?.stringValue ?? "failed"
        stderrTail = object?["stderr"]?.stringValue.flatMap(Self.lastLine)
    }

    /// The last non-empty line of `text`, shortened to 200 characters.
    static func lastLine(_ text: String) -> String? {
        guard let line = text.split(whereSeparator: \.isNewline).last(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            return nil
        }
        return line.count > 200 ? String(line.prefix(200)) + "…" : String(line)
    }

    /// `task 7: command exited with status 1 (stderr: gzip: x: No such file or directory)`.
    var description: String {
        "task \(id): \(error)" + (stderrTail.map { " (stderr: \($0))" } ?? "")
    }
}

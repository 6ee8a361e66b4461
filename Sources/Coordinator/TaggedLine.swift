/// How a task's output line is shown to people: `[7] text` for stdout, `[7 stderr] text` for stderr.
public enum TaggedLine {
    /// `text` tagged with the task id (as people read it: a string id without quotes).
    public static func text(_ text: String, id: String, stderr: Bool) -> String {
        stderr ? "[\(id) stderr] \(text)" : "[\(id)] \(text)"
    }
}

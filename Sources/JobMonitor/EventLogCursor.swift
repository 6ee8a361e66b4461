import Coordinator

/// How far a live view has read its job's event log, for the events its stream did not bring: those before it
/// joined, and those a gap skipped. The log holds events in order, so each read goes on where the last stopped.
struct EventLogCursor {
    let path: String
    private var offset = 0

    init(path: String) {
        self.path = path
    }

    /// The events numbered after `after` up to `upTo`, as lines to show: with `output`, only the tasks' output lines,
    /// tagged; otherwise every event's JSON line. With `keepingLast`, only that many of the last.
    mutating func catchUp(after: Int, upTo: Int, output: Bool, keepingLast limit: Int? = nil) -> [String] {
        var reader = EventLogReader(path: path)
        var lines: [String] = []
        let reached = reader.scan(from: offset) { event, line in
            guard event.sequence <= upTo else { return false }
            guard event.sequence > after else { return true }
            if !output {
                lines.append(String(decoding: line, as: UTF8.self))
            } else if case .output(let id, let stream, let text) = event.event {
                lines.append(TaggedLine.text(text, id: DisplayFormat.taskID(id), stderr: stream == "stderr"))
            }
            if let limit, lines.count >= 2 * limit + 64 { lines.removeFirst(lines.count - limit) }
            return true
        }
        offset = reached ?? offset
        return limit.map { Array(lines.suffix($0)) } ?? lines
    }
}

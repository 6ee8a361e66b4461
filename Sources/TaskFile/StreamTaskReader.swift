import JSONValue

/// Streams JSONL tasks from a pipe, a FIFO, standard input or any file that cannot be read twice: one task
/// object per line, blank lines skipped, each line checked as it arrives.
///
/// Nothing can be checked ahead, so the first bad line ends the stream with a `.problem` naming the line and
/// the field; the tasks before it are valid. Memory stays bounded by one read chunk plus the longest line
/// (`InputLimits.maxLineBytes`). Not thread-safe.
public final class StreamTaskReader: TaskSource {
    private let lines: InputLineReader
    private var decoder: TaskDecoder
    private var position = 0
    private var sawContent = false
    private var finished = false
    /// The pools a task may join (`--pool`; a stream has no `pools` document of its own).
    private let knownPools: Set<String>

    /// A reader of the JSONL tasks in `lines`, checking `run` kinds with `validateKind` and pool names against
    /// `knownPools`.
    public init(lines: InputLineReader, validateKind: @escaping KindValidator, knownPools: Set<String> = []) {
        self.lines = lines
        self.knownPools = knownPools
        decoder = TaskDecoder(path: lines.name, validateKind: validateKind, purpose: .read, fileSize: 0)
    }

    public var readinessDescriptor: Int32? { lines.descriptor }
    public var knownTaskCount: Int? { nil }

    public func next() -> TaskSourceEvent {
        while !finished {
            switch lines.next() {
            case .line(let bytes, let number):
                guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                let event = task(in: bytes, line: number, column: first + 1)
                if case .problem = event { close() }
                return event
            case .waiting:
                return .waiting
            case .end:
                close()
                if !sawContent {
                    return .problem(
                        TaskFileProblem(
                            path: lines.name, line: nil, column: nil, task: nil, field: nil,
                            message: "no tasks arrived; the input is read as JSONL, one JSON task object per line"))
                }
            case .problem(let problem):
                close()
                return .problem(problem)
            }
        }
        return .end
    }

    public func close() {
        finished = true
        lines.close()
    }

    private func task(in bytes: [UInt8], line: Int, column: Int) -> TaskSourceEvent {
        let firstTask = !sawContent
        sawContent = true
        let value: JSONValue
        do {
            value = try Self.parse(bytes)
        } catch {
            let located = error.relocated(offset: 0, line: line, column: 1)
            var problem = TaskFileProblem(path: lines.name, syntax: located)
            if firstTask, bytes[column - 1] == UInt8(ascii: "{") {
                problem = Self.jsonDocumentProblem(lines.name, line: line)
            }
            return .problem(problem)
        }
        if firstTask, case .object(let object) = value, object["tasks"] != nil {
            return .problem(Self.jsonDocumentProblem(lines.name, line: line))
        }
        let outcome = decoder.decodeTask(value, position: position, at: JSONTextPosition(line: line, column: column))
        position += 1
        switch consume outcome {
        case .valid(let definition):
            guard definition.schedule.after.isEmpty else {
                // Dependencies are resolved and checked for cycles against the whole file before anything runs.
                return .problem(
                    TaskFileProblem(
                        path: lines.name, line: line, column: column, task: "task \(definition.id)", field: "after",
                        message: "dependencies need every task known before the run, and this input is read once as "
                            + "it arrives; write the tasks to a file and submit that file"))
            }
            if let pool = definition.schedule.pool, !knownPools.contains(pool) {
                return .problem(
                    TaskFileProblem(
                        path: lines.name, line: line, column: column, task: "task \(definition.id)", field: "pool",
                        message: "no pool \"\(pool)\" is declared; declare it with --pool \(pool)=N"))
            }
            return .task(definition)
        case .invalid(let problems):
            return .problem(
                problems.first
                    ?? TaskFileProblem(
                        path: lines.name, line: line, column: column, task: nil, field: nil, message: "invalid task"))
        case .checked:
            return .problem(
                TaskFileProblem(path: lines.name, line: line, column: column, task: nil, field: nil, message: "invalid task"))
        }
    }

    private static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let parsed: Result<JSONValue, JSONSyntaxError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONSyntaxError) in try JSONParser.parse(buffer) }
        }
        return try parsed.get()
    }

    /// The problem for a `{"tasks": ...}` document arriving on a stream.
    static func jsonDocumentProblem(_ name: String, line: Int) -> TaskFileProblem {
        TaskFileProblem(
            path: name, line: line, column: 1, task: nil, field: nil,
            message: "this is a JSON task file ({\"tasks\": [...]}), but a pipe is read as JSONL, one task object per "
                + "line; pass the file by its name, or convert it (jq -c '.defaults as $d | .tasks[] | $d + .')")
    }
}

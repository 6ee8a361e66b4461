import JSONValue

/// Streams the tasks of a task file in file order, with the defaults applied; made by
/// `TaskFile.makeReader()`.
///
/// Owns the open file until `close()`, the end of the tasks, the first problem or deinit. Not thread-safe and
/// not `Sendable`: use it from one thread or task at a time.
public final class TaskFileReader {
    /// The streaming state: the open file, its scanner and the decoder.
    private final class Stream {
        let file: OpenTaskFile
        let scanner: any TaskScanner
        var decoder: TaskDecoder

        init(file: OpenTaskFile, scanner: any TaskScanner, decoder: TaskDecoder) {
            self.file = file
            self.scanner = scanner
            self.decoder = decoder
        }
    }

    /// The file being streamed; `nil` when serving tasks a check already built.
    private let stream: Stream?
    /// Tasks a check already built from the unchanged file, served instead of reading it.
    private var checked: [TaskDefinition]
    private var nextPosition = 0
    private var failure: TaskFileProblem?
    private var finished = false

    /// How many tasks the file holds, as its check counted them.
    public let knownTaskCount: Int?

    /// A reader that streams `file`, which holds `taskCount` tasks when a check counted them.
    init(file: OpenTaskFile, scanner: any TaskScanner, decoder: TaskDecoder, taskCount: Int?) {
        stream = Stream(file: file, scanner: scanner, decoder: decoder)
        checked = []
        knownTaskCount = taskCount
    }

    /// A reader that serves tasks already checked and built.
    init(checked definitions: [TaskDefinition]) {
        stream = nil
        checked = definitions
        knownTaskCount = definitions.count
    }

    /// The next task, or `nil` after the last one (and after `close()`).
    ///
    /// - Throws: the first `TaskFileProblem` met (the file changed since it was checked and is now invalid);
    ///   every later call throws the same problem.
    public func nextTask() throws(TaskFileProblem) -> TaskDefinition? {
        if let failure { throw failure }
        guard let stream else { return nextChecked() }
        while !finished {
            switch stream.scanner.next() {
            case .defaults(let value, let position):
                if let problem = stream.decoder.setDefaults(value, at: position).first { try fail(problem) }
            case .pools:
                // Checked, and handed to the scheduler, by `TaskFile.check`.
                continue
            case .defaultsUnknown:
                stream.decoder.defaultsAreUnknown()
            case .task(let value, let position):
                let outcome = stream.decoder.decodeTask(value, position: nextPosition, at: position)
                nextPosition += 1
                switch consume outcome {
                case .valid(let definition):
                    return definition
                case .invalid(let problems):
                    try fail(
                        problems.first
                            ?? TaskFileProblem(
                                path: stream.file.path, line: position.line, column: position.column,
                                task: "task at position \(nextPosition - 1)", field: nil,
                                message: "the task is not valid (see the problems with \"defaults\")"))
                case .checked:
                    continue
                }
            case .malformedTask(let problem), .problem(let problem), .failure(let problem):
                try fail(problem)
            case .end:
                close()
            }
        }
        return nil
    }

    /// Closes the file; `next()` then returns `nil`. Safe to call more than once.
    public func close() {
        finished = true
        checked = []
        stream?.file.close()
    }

    /// The next of the already checked tasks.
    private func nextChecked() -> TaskDefinition? {
        guard !finished, nextPosition < checked.count else {
            close()
            return nil
        }
        nextPosition += 1
        return checked[nextPosition - 1]
    }

    private func fail(_ problem: TaskFileProblem) throws(TaskFileProblem) -> Never {
        failure = problem
        close()
        throw problem
    }
}

@available(*, unavailable, message: "a TaskFileReader owns an open file and must stay on one thread")
extension TaskFileReader: Sendable {}

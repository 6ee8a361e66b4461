/// A task file on disk: JSON (`{"tasks": [...], "defaults": {...}}`) or JSONL (one task object per line,
/// chosen when the path ends in `.jsonl`).
///
/// Use it in two passes: `check()` reads the whole file and reports every problem; `makeReader()` then
/// streams the tasks. Both stream with bounded memory (a read chunk plus the largest task), so files with
/// millions of tasks are fine. A `TaskFile` is an immutable description and `Sendable`; each pass opens the
/// file itself; copies share what `check()` keeps for the next `makeReader()`.
public struct TaskFile: Sendable {
    /// The syntax of a task file.
    public enum Format: Sendable {
        /// One JSON object with a `"tasks"` array and optional `"defaults"`.
        case json
        /// One JSON task object per line; blank lines are skipped.
        case jsonl
    }

    /// The path as given.
    public let path: String
    /// The format, from the path's extension.
    public let format: Format
    /// Checks `run` kinds and their arguments.
    private let validateKind: KindValidator
    /// The read chunk size (smaller in tests to exercise chunk boundaries).
    let chunkSize: Int
    /// The tasks of the last successful check, for the read that follows.
    private let cache = CheckedTaskCache()

    /// Describes the task file at `path`; the format is JSONL when the path ends in `.jsonl` (any case), JSON
    /// otherwise. Nothing is read yet.
    public init(path: String, validateKind: @escaping KindValidator) {
        self.init(path: path, validateKind: validateKind, chunkSize: 256 << 10)
    }

    /// Like `init(path:validateKind:)` with a given read chunk size (tests use tiny chunks).
    package init(path: String, validateKind: @escaping KindValidator, chunkSize: Int) {
        self.init(path: path, format: Self.formatByName(path), validateKind: validateKind, chunkSize: chunkSize)
    }

    /// Describes the task file at `path` in the given format (see `detectFormat`). Nothing is read yet.
    public init(path: String, format: Format, validateKind: @escaping KindValidator, chunkSize: Int = 256 << 10) {
        self.path = path
        self.validateKind = validateKind
        self.chunkSize = max(chunkSize, 16)
        self.format = format
    }

    /// The format the name says: JSONL when it ends in `.jsonl` (any case), JSON otherwise.
    public static func formatByName(_ path: String) -> Format {
        path.lowercased().hasSuffix(".jsonl") ? .jsonl : .json
    }

    /// Pass 1: reads the whole file and returns every problem, in file order, up to `maxProblems` (the rest
    /// are only counted). A missing or unreadable file is a problem too; this never throws.
    ///
    /// For JSON, a syntax error ends the check (nothing after it can be understood); for JSONL, each bad line
    /// is reported and checking goes on.
    /// `knownPools` are pools declared outside the file (`--pool`); a task naming any other pool than these and the
    /// file's own `pools` is a problem, and so are `after` entries naming no task of the file and dependency cycles.
    public func check(maxProblems: Int = 50, knownPools: Set<String> = []) -> TaskFileCheck {
        var problems: [TaskFileProblem] = []
        var omitted = 0
        func record(_ found: [TaskFileProblem]) {
            for problem in found {
                if problems.count < maxProblems { problems.append(problem) } else { omitted += 1 }
            }
        }
        let file: OpenTaskFile
        do {
            file = try OpenTaskFile(path: path)
        } catch {
            return TaskFileCheck(taskCount: 0, problems: [error], omittedProblemCount: 0)
        }
        defer { file.close() }
        let scanner = makeScanner(file)
        let keeps = file.identity != nil && file.size <= CheckedTaskCache.maximumFileSize
        var decoder = TaskDecoder(
            path: path, validateKind: validateKind, purpose: .check, fileSize: file.size, keepsDefinitions: keeps)
        var kept: [TaskDefinition] = []
        // About one task per 40 bytes in files of small tasks; an estimate only, to spare regrowing the array.
        if keeps { kept.reserveCapacity(file.size / 40) }
        var taskCount = 0
        scanning: while true {
            switch scanner.next() {
            case .defaults(let value, let position):
                record(decoder.setDefaults(value, at: position))
            case .pools(let value, let position):
                record(decoder.setPools(value, at: position))
            case .defaultsUnknown:
                decoder.defaultsAreUnknown()
            case .task(let value, let position):
                switch decoder.decodeTask(value, position: taskCount, at: position) {
                case .valid(let definition): kept.append(definition)
                case .invalid(let found): record(found)
                case .checked: break
                }
                taskCount += 1
            case .malformedTask(let problem):
                record([problem])
                taskCount += 1
            case .problem(let problem):
                record([problem])
            case .failure(let problem):
                record([problem])
                break scanning
            case .end:
                break scanning
            }
        }
        if problems.isEmpty && omitted == 0 {
            record(decoder.workflow.problems(knownPools: knownPools, ids: decoder.ids))
        }
        let valid = problems.isEmpty && omitted == 0
        if keeps, valid, let identity = file.identity {
            cache.store(CheckedTaskCache.Entry(identity: identity, definitions: kept))
        } else {
            cache.store(nil)
        }
        var check = TaskFileCheck(taskCount: taskCount, problems: problems, omittedProblemCount: omitted)
        if valid {
            check.pools = decoder.workflow.pools
            check.taskPositions = decoder.workflow.usesAfter ? decoder.ids : nil
            check.largestCPUs = decoder.workflow.largestCPUs.map { ($0.cpus, "task \($0.id) (line \($0.line))") }
        }
        return check
    }

    /// Pass 2: opens the file for streaming its tasks in file order, with the defaults applied.
    ///
    /// The reader checks everything again as it goes, so a file that changed since `check()` and is now
    /// invalid makes `next()` throw. When the last `check()` (on this value or a copy) found a small file
    /// (up to 4 MiB) valid and the file is unchanged (same inode, size and times), the reader serves the tasks
    /// that check built instead of parsing the file again; this happens once per check.
    /// `taskCount` is what the check counted, for the reader to report as its `knownTaskCount`.
    /// - Throws: `TaskFileProblem` when the file cannot be opened.
    public func makeReader(taskCount: Int? = nil) throws(TaskFileProblem) -> TaskFileReader {
        let file = try OpenTaskFile(path: path)
        if let identity = file.identity, let definitions = cache.take(matching: identity) {
            file.close()
            return TaskFileReader(checked: definitions)
        }
        let decoder = TaskDecoder(path: path, validateKind: validateKind, purpose: .read, fileSize: file.size)
        return TaskFileReader(file: file, scanner: makeScanner(file), decoder: decoder, taskCount: taskCount)
    }

    private func makeScanner(_ file: OpenTaskFile) -> any TaskScanner {
        switch format {
        case .json: JSONTaskScanner(file: file, chunkSize: chunkSize)
        case .jsonl: JSONLTaskScanner(file: file, chunkSize: chunkSize)
        }
    }
}

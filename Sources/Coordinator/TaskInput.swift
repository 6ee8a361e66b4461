import Glibc
import TaskFile

/// Opens a job's task file as a `TaskSource`.
///
/// A regular file is checked whole first, so every problem is reported before anything runs, and then
/// streamed; its format is what its content shows (with one note when the name says otherwise). Anything that
/// cannot be read twice (`-` for standard input, a pipe, a FIFO, `/dev/stdin`, a device) is read once as
/// JSONL, each line checked as it arrives.
enum TaskInput {
    /// The source, or the lines that say why there is none (nothing has run).
    /// `knownPools`: pools declared outside the file (`--pool`). A checked file comes with its check (its pools,
    /// dependencies and widest task); a stream has none.
    static func open(
        path: String, validateKind: @escaping KindValidator, knownPools: Set<String> = [], note: (String) -> Void
    ) -> Result<(source: any TaskSource, check: TaskFileCheck?), TaskInputFailure> {
        if path == "-" || isStream(path) {
            do {
                let lines = try InputLineReader.open(path)
                return .success((StreamTaskReader(lines: lines, validateKind: validateKind, knownPools: knownPools), nil))
            } catch {
                return .failure(TaskInputFailure(lines: ["\(error)"]))
            }
        }
        let named = TaskFile.formatByName(path)
        let format = TaskFile.detectFormat(path: path) ?? named
        if format != named {
            let content = format == .jsonl ? "one task object per line (JSONL)" : "a JSON document ({\"tasks\": [...]})"
            note("jobrun: note: \(path) holds \(content); reading it so, whatever its name says")
        }
        let taskFile = TaskFile(path: path, format: format, validateKind: validateKind)
        let check = taskFile.check(knownPools: knownPools)
        guard check.isValid else {
            var lines = check.problems.map { "\($0)" }
            if check.omittedProblemCount > 0 { lines.append("… and \(check.omittedProblemCount) more problems") }
            return .failure(TaskInputFailure(lines: lines))
        }
        do {
            return .success((try taskFile.makeReader(taskCount: check.taskCount), check))
        } catch {
            return .failure(TaskInputFailure(lines: ["\(error)"]))
        }
    }

    /// Whether `path` names something other than a regular file or directory (after symlinks): a pipe, a FIFO,
    /// a device, which can be read only once.
    static func isStream(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }
        let type = status.st_mode & S_IFMT
        return type != S_IFREG && type != S_IFDIR
    }
}

/// Why a task file could not be opened or failed its check: one line per problem.
struct TaskInputFailure: Error {
    let lines: [String]
}

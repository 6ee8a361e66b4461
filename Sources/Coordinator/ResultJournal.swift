#if canImport(Glibc)
import Glibc
#endif
import JSONValue
import Scheduler
import TaskFile

/// What an earlier run's results file records, read when a job is resumed (`--resume`).
///
/// A line torn by a crash (the file does not end in a newline) is cut off the file before anything is appended,
/// so it can never be read as garbage later; complete lines that are not results are skipped and counted. When a
/// task has several lines, the last one counts.
struct ResultJournal {
    struct Entry {
        var status: String
        var hash: TaskHash?
    }

    private(set) var entries: [String: Entry] = [:]
    /// Bytes of a torn last line that were cut off.
    private(set) var repairedBytes = 0
    /// Complete lines that were not readable results.
    private(set) var unreadableLines = 0
    /// Result lines of tasks that have a later line too (left by a run that was stopped before it compacted the
    /// file); `ResultFileLines.compact` removes them.
    private(set) var supersededLines = 0

    /// Reads (and repairs) the locked results file.
    init(file: ResultFile) throws(CoordinatorError) {
        let size = file.size
        var completeLength = 0
        try ResultFileLines.forEach(file) { line, endOffset in
            completeLength = endOffset
            guard let object = try? JSONParser.parse(line).objectValue, let idValue = object["id"],
                let id = TaskID(json: idValue), let status = object["status"]?.stringValue
            else {
                unreadableLines += 1
                return
            }
            let entry = Entry(status: status, hash: object["task_hash"]?.stringValue.flatMap(TaskHash.init(text:)))
            if entries.updateValue(entry, forKey: id.key) != nil { supersededLines += 1 }
        }
        if size > completeLength {
            repairedBytes = size - completeLength
            guard file.truncate(to: completeLength) else {
                throw CoordinatorError("cannot repair the torn last line of \(file.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// What the last result of an unchanged task says, for the scheduler to decide whether it runs again: `ok`, or
    /// `failed` or `timeout` (not ok). Cancelled and skipped tasks, changed tasks and tasks without a result have
    /// nothing to keep.
    func earlierOutcome(key: String, hash: TaskHash) -> EarlierOutcome? {
        guard let entry = entries[key], entry.hash == hash else { return nil }
        switch entry.status {
        case "ok": return .ok
        case "failed", "timeout": return .notOK
        default: return nil
        }
    }

    /// The status of a task's last recorded line.
    func status(key: String) -> String? { entries[key]?.status }

    /// Whether a task that will run has an earlier line that its new one supersedes.
    func hasLine(key: String) -> Bool { entries[key] != nil }
}

/// Reads a results file line by line without holding it whole.
enum ResultFileLines {
    /// Calls `body` with each complete line (without its newline) and the file offset just past it, reading the open
    /// file (never its name, which someone could point elsewhere).
    static func forEach(
        _ file: ResultFile, _ body: (_ line: [UInt8], _ endOffset: Int) throws(CoordinatorError) -> Void
    ) throws(CoordinatorError) {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var line: [UInt8] = []
        var offset = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0, errno == EINTR { continue }
            if count < 0 {
                throw CoordinatorError("cannot read results file \(file.path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            for byte in chunk[0..<count] {
                offset += 1
                if byte == UInt8(ascii: "\n") {
                    try body(line, offset)
                    line.removeAll(keepingCapacity: true)
                } else {
                    line.append(byte)
                }
            }
        }
    }

    /// Rewrites the file keeping only the last line of each task (and lines that are not results), atomically:
    /// the new content goes to a temporary file (created afresh, never through a link) that takes the file's name,
    /// and its lock, only once it is complete and synced. A temporary file left by a run killed while doing this is
    /// replaced. Returns how many lines were dropped.
    static func compact(_ file: ResultFile) throws(CoordinatorError) -> Int {
        var lastLine: [String: Int] = [:]
        var index = 0
        try forEach(file) { line, _ in
            if let key = key(of: line) { lastLine[key] = index }
            index += 1
        }
        let temporary = temporaryPath(of: file.path)
        unlink(temporary)
        var status = stat()
        fstat(file.descriptor, &status)
        let descriptor = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0, let output = fdopen(dup(descriptor), "w") else {
            if descriptor >= 0 { close(descriptor) }
            throw CoordinatorError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        fchmod(descriptor, status.st_mode & 0o777)
        var dropped = 0
        index = 0
        do {
            try forEach(file) { line, _ in
                defer { index += 1 }
                if let key = key(of: line), lastLine[key] != index {
                    dropped += 1
                    return
                }
                _ = line.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, output) }
                fputc(0x0A, output)
            }
        } catch {
            fclose(output)
            close(descriptor)
            unlink(temporary)
            throw error
        }
        let flushed = fflush(output) == 0 && fsync(descriptor) == 0
        fclose(output)
        guard flushed else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            unlink(temporary)
            throw CoordinatorError("cannot write \(temporary): \(reason); \(file.path) is unchanged")
        }
        try file.replace(with: descriptor, temporaryPath: temporary)
        return dropped
    }

    /// Where the compacted copy is written before it replaces the file.
    static func temporaryPath(of path: String) -> String { path + ".compacting" }

    private static func key(of line: [UInt8]) -> String? {
        guard let object = try? JSONParser.parse(line).objectValue, let id = object["id"] else { return nil }
        return TaskID(json: id)?.key
    }
}

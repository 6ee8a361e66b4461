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

    /// Reads (and repairs) the results file at `path`; a missing file is an empty journal.
    init(path: String) throws(CoordinatorError) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        var completeLength = 0
        try ResultFileLines.forEach(path: path) { line, endOffset in
            completeLength = endOffset
            guard let object = try? JSONParser.parse(line).objectValue, let idValue = object["id"],
                let id = TaskID(json: idValue), let status = object["status"]?.stringValue
            else {
                unreadableLines += 1
                return
            }
            entries[id.key] = Entry(status: status, hash: object["task_hash"]?.stringValue.flatMap(TaskHash.init(text:)))
        }
        if Int(status.st_size) > completeLength {
            repairedBytes = Int(status.st_size) - completeLength
            guard truncate(path, off_t(completeLength)) == 0 else {
                throw CoordinatorError("cannot repair the torn last line of \(path): \(String(cString: strerror(errno)))")
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

    /// Whether a task that will run has an earlier line that its new one supersedes.
    func hasLine(key: String) -> Bool { entries[key] != nil }
}

/// Reads a results file line by line without holding it whole.
enum ResultFileLines {
    /// Calls `body` with each complete line (without its newline) and the file offset just past it.
    static func forEach(
        path: String, _ body: (_ line: [UInt8], _ endOffset: Int) throws(CoordinatorError) -> Void
    ) throws(CoordinatorError) {
        guard let file = fopen(path, "r") else {
            throw CoordinatorError("cannot read results file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var line: [UInt8] = []
        var offset = 0
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
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
    /// the new content goes to a temporary file that replaces the old one only once it is complete and synced.
    static func compact(path: String) throws(CoordinatorError) -> Int {
        var lastLine: [String: Int] = [:]
        var index = 0
        try forEach(path: path) { line, _ in
            if let key = key(of: line) { lastLine[key] = index }
            index += 1
        }
        let temporary = path + ".compacting"
        guard let output = fopen(temporary, "w") else {
            throw CoordinatorError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        var dropped = 0
        index = 0
        do {
            try forEach(path: path) { line, _ in
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
            unlink(temporary)
            throw error
        }
        let flushed = fflush(output) == 0 && fsync(fileno(output)) == 0
        fclose(output)
        guard flushed, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CoordinatorError("cannot replace \(path) with its compacted copy: \(String(cString: strerror(errno)))")
        }
        return dropped
    }

    private static func key(of line: [UInt8]) -> String? {
        guard let object = try? JSONParser.parse(line).objectValue, let id = object["id"] else { return nil }
        return TaskID(json: id)?.key
    }
}

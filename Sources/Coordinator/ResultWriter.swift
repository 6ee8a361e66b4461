#if canImport(Glibc)
import JSONValue
import ChildProcess
import Settings
import Glibc
#endif

/// Appends result lines to the results file (or standard output) as they arrive.
///
/// Lines are gathered in memory during one turn of the coordinator's loop and handed to the OS with `flush()` at
/// the end of the turn, so a result is on its way to disk before anyone hears of it. `sync()` adds an fsync at
/// most once per interval, and always at `close()`.
final class ResultWriter {
    let path: String
    /// The results file's descriptor now (a compaction replaces it), or standard output's.
    private var descriptor: Int32 { file?.descriptor ?? 1 }
    /// The results file; `nil` for standard output.
    private let file: ResultFile?
    private var pending: [UInt8] = []
    /// Whole lines queued in `pending`.
    private(set) var pendingLines = 0
    /// The file's length up to its last whole line written.
    private var committedSize = 0
    private var lastSync: UInt64 = 0
    /// Writing to standard output (`-o -`) and its reader went away (`| head -1`): what follows is dropped.
    private(set) var readerGone = false

    /// Checks, before the job starts, that the results can be written there without destroying earlier results.
    /// Creates nothing.
    static func checkWritable(
        _ path: String, overwrite: Bool, resume: Bool = false, taskFile: String = ""
    ) throws(CoordinatorError) {
        guard path != "-" else { return }
        var status = stat()
        var taskStatus = stat()
        if stat(path, &status) == 0, stat(taskFile, &taskStatus) == 0, status.st_dev == taskStatus.st_dev,
            status.st_ino == taskStatus.st_ino
        {
            throw CoordinatorError(
                "--output \(path) is the task file itself; results would replace the tasks; choose another --output")
        }
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR {
                throw CoordinatorError("output \(path) is a directory; pass --output FILE")
            }
            if !overwrite, !resume, status.st_size > 0 {
                throw CoordinatorError(
                    "results file \(path) already exists; pass --resume to continue that run, --force to replace it, "
                        + "or --output to write elsewhere"
                )
            }
            guard access(path, W_OK) == 0 else {
                throw CoordinatorError("cannot write results to \(path): \(String(cString: strerror(errno)))")
            }
            return
        }
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        guard access(directory, W_OK) == 0 else {
            throw CoordinatorError(
                "cannot write results to \(path): directory \(directory): \(String(cString: strerror(errno)))"
            )
        }
    }

    /// Writes to standard output.
    init() {
        path = "-"
        file = nil
        pending.reserveCapacity(1 << 16)
    }

    /// Appends to the locked results file.
    init(file: ResultFile) {
        path = file.path
        self.file = file
        committedSize = file.size
        pending.reserveCapacity(1 << 16)
    }

    /// Queues one complete line (without its newline).
    func append(line: (inout [UInt8]) -> Void) {
        line(&pending)
        pending.append(UInt8(ascii: "\n"))
        pendingLines += 1
    }

    /// Hands every queued line to the OS. When a write fails (disk full, file too large, IO error), whatever part of
    /// the queued lines reached the file is cut off again, so the file ends with its last whole line, and the lines
    /// stay queued for a later attempt: a result is never half written, nor written twice.
    func flush() throws(CoordinatorError) {
        guard !pending.isEmpty else { return }
        if readerGone {
            pending.removeAll(keepingCapacity: true)
            return
        }
        var offset = 0
        while offset < pending.count {
            let written = pending.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE, file == nil {
                    readerGone = true
                    pending.removeAll(keepingCapacity: false)
                    return
                }
                let reason = String(cString: strerror(errno))
                if offset > 0, let file, !file.truncate(to: committedSize) {
                    throw CoordinatorError(
                        "cannot write results to \(path): \(reason); and cannot cut off the part written: "
                            + String(cString: strerror(errno)))
                }
                throw CoordinatorError("cannot write results to \(path): \(reason)")
            }
            offset += written
        }
        committedSize += pending.count
        pending.removeAll(keepingCapacity: true)
        pendingLines = 0
    }

    /// Flushes, then fsyncs if at least `intervalNanoseconds` passed since the last fsync.
    func sync(now: UInt64, intervalNanoseconds: UInt64) throws(CoordinatorError) {
        try flush()
        guard file != nil, now - lastSync >= intervalNanoseconds else { return }
        lastSync = now
        fsync(descriptor)
    }

    /// Flushes and fsyncs; the file stays open (and locked) for its final compaction.
    func finish() throws(CoordinatorError) {
        try flush()
        if file != nil { fsync(descriptor) }
    }
}

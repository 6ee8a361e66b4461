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
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var pending: [UInt8] = []
    private var lastSync: UInt64 = 0
    /// Writing to standard output (`-o -`) and its reader went away (`| head -1`): what follows is dropped.
    private(set) var readerGone = false

    /// Checks, before the job starts, that the results can be written there without destroying earlier results.
    /// Creates nothing.
    static func checkWritable(_ path: String, overwrite: Bool, resume: Bool = false) throws(CoordinatorError) {
        guard path != "-" else { return }
        var status = stat()
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

    /// Opens the results file: created or truncated, or with `append` kept and added to.
    init(path: String, append: Bool = false) throws(CoordinatorError) {
        self.path = path
        if path == "-" {
            descriptor = 1
            ownsDescriptor = false
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
            guard descriptor >= 0 else {
                throw CoordinatorError("cannot open results file \(path): \(String(cString: strerror(errno)))")
            }
            ownsDescriptor = true
        }
        pending.reserveCapacity(1 << 16)
    }

    /// Queues one complete line (without its newline).
    func append(line: (inout [UInt8]) -> Void) {
        line(&pending)
        pending.append(UInt8(ascii: "\n"))
    }

    /// Hands every queued line to the OS.
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
                if errno == EPIPE, !ownsDescriptor {
                    readerGone = true
                    pending.removeAll(keepingCapacity: false)
                    return
                }
                throw CoordinatorError("cannot write results to \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes, then fsyncs if at least `intervalNanoseconds` passed since the last fsync.
    func sync(now: UInt64, intervalNanoseconds: UInt64) throws(CoordinatorError) {
        try flush()
        guard ownsDescriptor, now - lastSync >= intervalNanoseconds else { return }
        lastSync = now
        fsync(descriptor)
    }

    /// Flushes, fsyncs and closes.
    func close() throws(CoordinatorError) {
        try flush()
        if ownsDescriptor {
            fsync(descriptor)
            Glibc.close(descriptor)
        }
    }
}

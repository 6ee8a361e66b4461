#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open, read-only file descriptor, closed on `close()` or deinit. Reads use `pread`, so several
/// `FileByteSource`s can read it at different offsets. Not thread-safe: used by one reader at a time.
final class OpenTaskFile {
    /// The path it was opened from.
    let path: String
    private(set) var descriptor: Int32

    /// Opens `path` for reading.
    ///
    /// - Throws: a `TaskFileProblem` naming the path and the system's reason.
    init(path: String) throws(TaskFileProblem) {
        self.path = path
        var opened: Int32 = -1
        repeat {
            opened = open(path, O_RDONLY | O_CLOEXEC)
        } while opened < 0 && errno == EINTR
        guard opened >= 0 else {
            let reason = systemErrorText(errno)
            throw TaskFileProblem(
                path: path, line: nil, column: nil, task: nil, field: nil,
                message: "cannot open the task file: \(reason) (check the path and its permissions)")
        }
        descriptor = opened
        var status = stat()
        size = fstat(opened, &status) == 0 ? Int(status.st_size) : 0
    }

    /// The file's size when it was opened (0 if unknown), for sizing tables.
    let size: Int

    /// Reads up to `count` bytes at `offset` into `buffer`; returns the number read (0 at end of file).
    ///
    /// - Throws: a `TaskFileProblem` with the system's reason.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws(TaskFileProblem) -> Int {
        guard descriptor >= 0 else { throw problem("the file was closed") }
        while true {
            let result = pread(descriptor, buffer, count, off_t(offset))
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw problem("cannot read the task file: \(systemErrorText(errno))")
        }
    }

    /// Closes the descriptor; later reads fail. Safe to call more than once.
    func close() {
        guard descriptor >= 0 else { return }
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
        descriptor = -1
    }

    deinit { close() }

    private func problem(_ message: String) -> TaskFileProblem {
        TaskFileProblem(path: path, line: nil, column: nil, task: nil, field: nil, message: message)
    }
}

/// The system's text for an `errno` value.
func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

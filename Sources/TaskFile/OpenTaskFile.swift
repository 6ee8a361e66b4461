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
        if fstat(opened, &status) == 0 {
            size = Int(status.st_size)
            identity = FileIdentity(status)
        } else {
            size = 0
            identity = nil
        }
    }

    /// The file's size when it was opened (0 if unknown), for sizing tables.
    let size: Int
    /// Which file this is and which version of it, when known.
    let identity: FileIdentity?

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

/// A file and version, from `fstat`: equal identities mean the same file, unchanged (same device, inode, size,
/// and modification and status-change times, to the nanosecond).
struct FileIdentity: Sendable, Hashable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modified: Int64
    let modifiedNanoseconds: Int64
    let changed: Int64
    let changedNanoseconds: Int64

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        #if canImport(Darwin)
        modified = Int64(status.st_mtimespec.tv_sec)
        modifiedNanoseconds = Int64(status.st_mtimespec.tv_nsec)
        changed = Int64(status.st_ctimespec.tv_sec)
        changedNanoseconds = Int64(status.st_ctimespec.tv_nsec)
        #else
        modified = Int64(status.st_mtim.tv_sec)
        modifiedNanoseconds = Int64(status.st_mtim.tv_nsec)
        changed = Int64(status.st_ctim.tv_sec)
        changedNanoseconds = Int64(status.st_ctim.tv_nsec)
        #endif
    }
}

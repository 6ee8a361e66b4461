#if canImport(Glibc)
import Glibc
#endif

/// The results file, opened for the life of the job: never through a symbolic link (someone may have planted one in
/// a shared directory), created readable by its owner only (it holds task output), and locked, so a second
/// coordinator on the same file is refused instead of interleaving duplicate results.
///
/// The lock is `flock` on the open file: it ends with the process, however it dies. When the file is replaced by a
/// compacted copy, the copy is locked before it takes the file's name, so the name is never unlocked.
final class ResultFile {
    let path: String
    /// Open for reading and appending, locked.
    private(set) var descriptor: Int32

    /// Opens (creating it 0600 if missing) and locks the results file. `truncate` empties it once it is locked.
    /// `taskFile` is refused as the output: writing results there would destroy the tasks.
    init(path: String, truncate: Bool, taskFile: String) throws(CoordinatorError) {
        self.path = path
        descriptor = -1
        for _ in 0..<5 {
            let opened = open(path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard opened >= 0 else {
                if errno == ELOOP {
                    throw CoordinatorError(
                        "results file \(path) is a symbolic link; jobrun does not write results through a link (anyone "
                            + "able to write to that directory could have placed it); remove it or choose another --output")
                }
                throw CoordinatorError("cannot open results file \(path): \(String(cString: strerror(errno)))")
            }
            var status = stat()
            fstat(opened, &status)
            // A character device (/dev/null, a terminal) takes results as a stream: nothing to lock or truncate.
            let isDevice = status.st_mode & S_IFMT == S_IFCHR
            guard status.st_mode & S_IFMT == S_IFREG || isDevice else {
                Glibc.close(opened)
                throw CoordinatorError("results file \(path) is not a regular file; choose another --output")
            }
            if isDevice {
                descriptor = opened
                return
            }
            if Self.isSameFile(status, taskFile) {
                Glibc.close(opened)
                throw CoordinatorError("--output \(path) is the task file itself; results would replace the tasks; choose another --output")
            }
            // Only "held by someone else" refuses; a file system without locks (some network ones) runs unlocked.
            guard flock(opened, LOCK_EX | LOCK_NB) == 0 || errno != EWOULDBLOCK else {
                let holder = Self.lockHolder(of: status).map { " (pid \($0))" } ?? ""
                Glibc.close(opened)
                throw CoordinatorError(
                    "results file \(path) is in use by another jobrun\(holder); wait for that job to end, or choose "
                        + "another --output")
            }
            // The name may have been given to another file between open and flock: lock what the name holds now.
            var named = stat()
            if lstat(path, &named) == 0, named.st_dev == status.st_dev, named.st_ino == status.st_ino {
                descriptor = opened
                break
            }
            Glibc.close(opened)
        }
        guard descriptor >= 0 else { throw CoordinatorError("results file \(path) keeps being replaced; cannot lock it") }
        if truncate, ftruncate(descriptor, 0) != 0 {
            throw CoordinatorError("cannot empty results file \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The file's size now.
    var size: Int {
        var status = stat()
        return fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
    }

    /// Cuts the file back to `length` bytes (a torn last line, or lines a failed write left half written).
    func truncate(to length: Int) -> Bool { ftruncate(descriptor, off_t(length)) == 0 }

    /// Gives the file's name to `replacement` (a complete, synced copy at `temporaryPath`), moving the lock to it first.
    func replace(with replacement: Int32, temporaryPath: String) throws(CoordinatorError) {
        guard flock(replacement, LOCK_EX | LOCK_NB) == 0, rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            Glibc.close(replacement)
            throw CoordinatorError("cannot replace \(path) with its compacted copy: \(reason)")
        }
        _ = fcntl(replacement, F_SETFL, O_APPEND)
        Glibc.close(descriptor)
        descriptor = replacement
    }

    /// Unlocks and closes.
    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    private static func isSameFile(_ status: stat, _ other: String) -> Bool {
        var otherStatus = stat()
        return stat(other, &otherStatus) == 0 && otherStatus.st_dev == status.st_dev && otherStatus.st_ino == status.st_ino
    }

    /// The pid holding a `flock` on the file, from `/proc/locks` (lines like
    /// `1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF`, where 5678 is the inode).
    static func lockHolder(of status: stat) -> Int32? {
        guard let file = fopen("/proc/locks", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        let inode = ":\(status.st_ino)"
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(separator: " ")
            guard fields.count >= 6, fields[1] == "FLOCK", fields[5].hasSuffix(inode) else { continue }
            return Int32(fields[4])
        }
        return nil
    }
}

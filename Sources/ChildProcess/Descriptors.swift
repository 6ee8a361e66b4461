import CChildProcess
import Glibc

/// File-descriptor helpers for the spawning code. Every function retries `EINTR`.
enum Descriptors {
    /// Opens a pipe whose two ends are close-on-exec and numbered 3 or higher, so no child inherits
    /// them by accident and installing them as a child's 0/1/2 never overwrites one another.
    static func pipe(for executable: String) throws(SpawnError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard cchildprocess_pipe_cloexec(&fds) == 0 else {
            throw .system(executable, "creating a pipe", errorNumber: errno)
        }
        let read: Int32
        do {
            read = try aboveStandardStreams(fds[0], executable: executable)
        } catch {
            close(fds[1])
            throw error
        }
        do {
            return (read, try aboveStandardStreams(fds[1], executable: executable))
        } catch {
            close(read)
            throw error
        }
    }

    /// /dev/null, opened once for the whole process (read-write, close-on-exec, 3 or higher) and never closed: a
    /// child that gets it as a standard stream installs it with one dup2 instead of opening /dev/null itself while its
    /// parent thread waits. `nil` when it cannot be opened (the child then opens /dev/null).
    static let devNull: Int32? = {
        let fd = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        return try? aboveStandardStreams(fd, executable: "/dev/null")
    }()

    /// `fd` itself when it is 3 or higher; otherwise a close-on-exec duplicate >= 3, closing `fd`.
    /// Low numbers only appear when this process runs with 0, 1 or 2 closed.
    private static func aboveStandardStreams(_ fd: Int32, executable: String) throws(SpawnError) -> Int32 {
        guard fd < 3 else { return fd }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        let error = errno
        close(fd)
        guard moved >= 0 else {
            throw .system(executable, "moving a pipe above the standard streams", errorNumber: error)
        }
        return moved
    }

    /// Closes `fd` when it is valid and marks it closed. `close` is not retried: on Linux the
    /// descriptor is released even when it reports `EINTR`.
    static func close(_ fd: inout Int32) {
        if fd >= 0 {
            _ = Glibc.close(fd)
            fd = -1
        }
    }

    /// Closes a descriptor that the caller does not keep.
    static func close(_ fd: Int32) {
        if fd >= 0 {
            _ = Glibc.close(fd)
        }
    }

    /// Turns on `O_NONBLOCK` for `fd` (a pipe's write end the parent feeds).
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 {
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        }
    }

    /// The result of one `write` attempt.
    enum WriteResult {
        /// This many bytes were written (possibly fewer than offered).
        case wrote(Int)
        /// The pipe is full; wait for `POLLOUT`.
        case wouldBlock
        /// The reader is gone (`EPIPE`) or another error ended the stream.
        case closed(errno: Int32)
    }

    /// Writes what it can of `bytes[offset...]` (at most 64 KiB) to the non-blocking `fd`.
    static func write(_ fd: Int32, _ bytes: [UInt8], from offset: Int) -> WriteResult {
        let count = min(bytes.count - offset, 65536)
        while true {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, count)
            }
            if written >= 0 { return .wrote(written) }
            switch errno {
            case EINTR: continue
            case EAGAIN: return .wouldBlock
            case let error: return .closed(errno: error)
            }
        }
    }

    /// Reads once from `fd` into `buffer`: the byte count, 0 at end of file, or -1 when the stream
    /// failed (treated as its end). Retries `EINTR`; reports `EAGAIN` as -2.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN: return -2
            default: return -1
            }
        }
    }
}

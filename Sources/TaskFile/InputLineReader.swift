import Glibc

/// Reads lines from a descriptor (a pipe, a FIFO, a terminal or a file) as they arrive, never holding more
/// than one read chunk plus the longest line, which is bounded by `maxLineBytes`.
///
/// Without `blocking`, a read happens only when `poll` says the descriptor is ready, so `next()` never
/// waits: it answers `.waiting` instead and the caller polls `descriptor`. The descriptor's flags are left
/// alone (standard input is shared with other processes). Not thread-safe.
public final class InputLineReader {
    /// What the reader has next.
    public enum Event {
        /// A line without its newline, and its 1-based number.
        case line([UInt8], number: Int)
        /// No whole line yet; poll `descriptor` for reading and ask again.
        case waiting
        /// The input ended (a last line without a newline came before this).
        case end
        /// Reading failed or a line is too long; nothing more is read.
        case problem(TaskFileProblem)
    }

    /// The descriptor read from.
    public let descriptor: Int32
    /// The input's name for messages (`standard input`, a path).
    public let name: String
    private let ownsDescriptor: Bool
    private let blocking: Bool
    private let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// How many bytes after `start` are known to hold no newline.
    private var searched = 0
    private var lineNumber = 0
    private var reachedEnd = false
    private var failed = false
    private var closed = false

    /// A reader of `descriptor`, closed by `close()` when `ownsDescriptor`. With `blocking`, `next()` reads
    /// until it has a line (for inputs read whole before the job starts).
    public init(descriptor: Int32, name: String, ownsDescriptor: Bool, blocking: Bool = false,
                maxLineBytes: Int = InputLimits.maxLineBytes) {
        self.descriptor = descriptor
        self.name = name
        self.ownsDescriptor = ownsDescriptor
        self.blocking = blocking
        self.maxLineBytes = maxLineBytes
    }

    /// Opens `path` for reading (`-` is standard input, not closed by `close()`).
    ///
    /// - Throws: a `TaskFileProblem` naming the path and the system's reason.
    public static func open(_ path: String, blocking: Bool = false) throws(TaskFileProblem) -> InputLineReader {
        if path == "-" {
            return InputLineReader(descriptor: 0, name: "standard input", ownsDescriptor: false, blocking: blocking)
        }
        var opened: Int32
        repeat {
            opened = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        } while opened < 0 && errno == EINTR
        guard opened >= 0 else {
            throw TaskFileProblem(
                path: path, line: nil, column: nil, task: nil, field: nil,
                message: "cannot open it: \(systemErrorText(errno)) (check the path and its permissions)")
        }
        return InputLineReader(descriptor: opened, name: path, ownsDescriptor: true, blocking: blocking)
    }

    deinit { close() }

    /// The next line, or why there is none now.
    public func next() -> Event {
        guard !failed else { return .end }
        while true {
            if let newline = findNewline() {
                let line = Array(buffer[start..<newline])
                start = newline + 1
                searched = 0
                lineNumber += 1
                return .line(line, number: lineNumber)
            }
            if reachedEnd {
                guard start < buffer.count else { return .end }
                let line = Array(buffer[start...])
                start = buffer.count
                searched = 0
                lineNumber += 1
                return .line(line, number: lineNumber)
            }
            if buffer.count - start > maxLineBytes {
                failed = true
                return .problem(
                    TaskFileProblem(
                        path: name, line: lineNumber + 1, column: nil, task: nil, field: nil,
                        message: "the line is longer than \(maxLineBytes >> 20) MiB, the most jobrun reads as one "
                            + "line (is this the right input?)"))
            }
            if !blocking && !isReadable() { return .waiting }
            if let problem = readChunk() {
                failed = true
                return .problem(problem)
            }
        }
    }

    /// Stops reading; closes the descriptor if this reader opened it. Safe to call more than once.
    public func close() {
        guard !closed else { return }
        closed = true
        failed = true
        buffer = []
        start = 0
        if ownsDescriptor, descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    private func findNewline() -> Int? {
        let from = start + searched
        guard from < buffer.count else { return nil }
        let found: Int? = buffer.withUnsafeBytes { bytes in
            guard let hit = memchr(bytes.baseAddress! + from, 0x0A, bytes.count - from) else { return nil }
            return UnsafeRawPointer(hit) - bytes.baseAddress!
        }
        if found == nil { searched = buffer.count - start }
        return found
    }

    /// Whether a read would not block (data, end of input or an error to report).
    private func isReadable() -> Bool {
        var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&item, 1, 0)
        return ready != 0
    }

    /// Reads once; returns a problem when reading fails.
    private func readChunk() -> TaskFileProblem? {
        if start > 0 && start * 2 >= buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 64 << 10
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + old, chunk) }
            if count >= 0 {
                buffer.removeLast(chunk - count)
                if count == 0 { reachedEnd = true }
                return nil
            }
            if errno == EINTR { continue }
            buffer.removeLast(chunk)
            if errno == EAGAIN || errno == EWOULDBLOCK {
                // Someone made the descriptor non-blocking; a blocking reader waits for it here instead.
                if blocking {
                    var item = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    _ = poll(&item, 1, -1)
                }
                return nil
            }
            return TaskFileProblem(
                path: name, line: lineNumber + 1, column: nil, task: nil, field: nil,
                message: "cannot read it: \(systemErrorText(errno))")
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Reads a job's event log (NDJSON) line by line, in chunks, so a log of millions of events is never held whole.
///
/// A line that is not a valid event is skipped and reported as a `Problem` (its line number and what is wrong),
/// never fatal. Threads: use an instance from one thread.
public struct EventLogReader {
    /// A skipped line.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The 1-based line number in the log.
        public var line: Int
        /// What is wrong with it.
        public var message: String
        /// `line N: message`.
        public var description: String { "line \(line): \(message)" }
    }

    /// The log's path.
    public let path: String
    /// Lines skipped so far.
    public private(set) var problems: [Problem] = []

    /// A reader of the log at `path`.
    public init(path: String) {
        self.path = path
    }

    /// Calls `body` with every valid event and its raw line (without the newline), in order.
    ///
    /// - Returns: `false` when the log cannot be opened (then `body` is never called).
    public mutating func forEach(_ body: (SequencedEvent, ArraySlice<UInt8>) -> Void) -> Bool {
        scan(from: 0) { event, line in
            body(event, line)
            return true
        } != nil
    }

    /// Calls `body` with the valid events of the lines that start at byte `offset` or later, in order, while it
    /// returns `true`; an incomplete last line (still being written) is left alone.
    ///
    /// - Returns: the offset just past the last line read and not refused, where a later scan can go on; `nil`
    ///   when the log cannot be opened.
    public mutating func scan(from offset: Int, while body: (SequencedEvent, ArraySlice<UInt8>) -> Bool) -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) else { return offset }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var lineNumber = 0
        var consumed = offset
        reading: while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: chunk[0..<count])
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                lineNumber += 1
                guard handle(pending[start..<newline], number: lineNumber, body) else { break reading }
                consumed += newline + 1 - start
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if offset == 0, !pending.isEmpty, !pending.contains(UInt8(ascii: "\n")) {
            lineNumber += 1
            problems.append(Problem(line: lineNumber, message: "the last line is incomplete (the coordinator may have died while writing it)"))
        }
        return consumed
    }

    /// Warnings for standard error about the skipped lines: the first few in full, then how many more.
    public func warnings(limit: Int = 5) -> [String] {
        var lines = problems.prefix(limit).map { "jobrun: warning: \(path):\($0.line): skipped a corrupt event line: \($0.message)" }
        if problems.count > limit { lines.append("jobrun: warning: \(path): \(problems.count - limit) more corrupt event lines skipped") }
        return lines
    }

    /// Hands one line to `body`; returns what `body` said (`true` for lines that are skipped).
    private mutating func handle(
        _ line: ArraySlice<UInt8>, number: Int, _ body: (SequencedEvent, ArraySlice<UInt8>) -> Bool
    ) -> Bool {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { return true }
        do {
            return body(try SequencedEvent(line: line), line)
        } catch {
            problems.append(Problem(line: number, message: error.description))
            return true
        }
    }
}

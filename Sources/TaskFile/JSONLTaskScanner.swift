#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONValue

/// Streams a JSONL task file: one task object per line, blank lines skipped. A line that is not valid JSON
/// is reported and scanning goes on with the next line. Memory is bounded by a read chunk plus the longest
/// line. Not thread-safe.
final class JSONLTaskScanner: TaskScanner {
    private let file: OpenTaskFile
    private let source: FileByteSource
    /// How many bytes at the start of the unconsumed window are known to hold no newline.
    private var searched = 0
    private var sawTask = false
    private var done = false

    /// A scanner for the whole file.
    init(file: OpenTaskFile, chunkSize: Int = 256 << 10) {
        self.file = file
        source = FileByteSource(file: file, chunkSize: chunkSize)
    }

    func next() -> TaskScanEvent {
        do {
            return try step()
        } catch {
            done = true
            return .failure(TaskFileProblem(path: file.path, failure: error))
        }
    }

    private func step() throws(ByteSourceFailure) -> TaskScanEvent {
        while !done {
            let bytes = source.available
            let newline: Int?
            if bytes.count > searched, let hit = memchr(bytes.baseAddress! + searched, 0x0A, bytes.count - searched) {
                newline = UnsafeRawPointer(hit) - bytes.baseAddress!
            } else if try source.fill() {
                searched = bytes.count
                continue
            } else if source.available.isEmpty {
                done = true
                break
            } else {
                newline = nil
            }
            let window = source.available
            let length = newline ?? window.count
            let event = scanLine(UnsafeRawBufferPointer(rebasing: window[0..<length]))
            if newline != nil {
                source.consumeLine(length + 1)
            } else {
                source.consume(length)
            }
            searched = 0
            if let event { return event }
        }
        if !sawTask {
            sawTask = true
            return .failure(
                TaskFileProblem(
                    path: file.path, at: nil,
                    message: "the file has no tasks; a JSONL task file has one JSON task object per line"))
        }
        return .end
    }

    /// The event for one line, or `nil` for a blank line.
    private func scanLine(_ line: UnsafeRawBufferPointer) -> TaskScanEvent? {
        var first = 0
        while first < line.count {
            let byte = line[first]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0D else { break }
            first += 1
        }
        guard first < line.count else { return nil }
        sawTask = true
        let lineNumber = source.position.line
        do {
            let value = try JSONParser.parse(line)
            return .task(value, JSONTextPosition(line: lineNumber, column: first + 1))
        } catch {
            let located = error.relocated(offset: source.offset, line: lineNumber, column: 1)
            return .malformedTask(TaskFileProblem(path: file.path, syntax: located))
        }
    }
}

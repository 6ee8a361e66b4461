#if canImport(Glibc)
import Glibc
#endif
import Coordinator
import JSONValue

/// Follows a results file (JSONL) as the coordinator appends to it and turns each task's `stdout` and `stderr`
/// into lines tagged with the task id: `[7] line` and `[7 stderr] line`. A task's lines come together, in order,
/// once its result is recorded, so lines of different tasks never mix.
///
/// Threads: use an instance from one thread.
public final class ResultOutputFollower {
    private let descriptor: Int32
    private var pending: [UInt8] = []

    /// Opens `path`, reading from its start or (with `fromEnd`) only what is appended from now on.
    ///
    /// - Throws: `MonitorError` naming the file when it cannot be opened.
    public init(path: String, fromEnd: Bool) throws(MonitorError) {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw MonitorError("cannot open the results file \(path): \(FileText.lastErrorText())") }
        if fromEnd { lseek(descriptor, 0, SEEK_END) }
    }

    deinit { close(descriptor) }

    /// The tagged output lines of the results appended since the last call (at most about `limitBytes` read).
    public func newLines(limitBytes: Int = 4 << 20) -> [String] {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var readBytes = 0
        while readBytes < limitBytes {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            pending.append(contentsOf: chunk[0..<count])
            readBytes += count
        }
        var lines: [String] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines += Self.outputLines(ofResult: pending[start..<newline])
            start = newline + 1
        }
        pending.removeFirst(start)
        return lines
    }

    /// The tagged lines of one result line; none when it has no output or is not a result.
    public static func outputLines(ofResult line: ArraySlice<UInt8>) -> [String] {
        guard let object = (try? line.withUnsafeBytes { raw in try JSONParser.parse(raw) })?.objectValue,
            let id = object["id"]
        else { return [] }
        var lines: [String] = []
        for stream in ["stdout", "stderr"] {
            guard let text = object[stream]?.stringValue, !text.isEmpty else { continue }
            let tag = { (line: String) in TaggedLine.text(line, id: DisplayFormat.taskID(id), stderr: stream == "stderr") }
            var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
            if parts.last?.isEmpty == true { parts.removeLast() }
            lines += parts.map { tag(String($0)) }
            if object["\(stream)_truncated"]?.boolValue == true {
                lines.append(tag("… (cut at the output cap; \(object["\(stream)_bytes"]?.text ?? "?") bytes in all)"))
            }
        }
        return lines
    }
}

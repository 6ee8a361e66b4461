import Glibc
import JSONValue
import SystemIO
import TaskFile

/// How `jobrun run` prints task output.
public struct TaskOutputMode: Sendable {
    /// Print in input order (`-k`), not in the order tasks end.
    public var keepOrder: Bool
    /// Start each line with the task's input values, tab-separated (`--tag`).
    public var tag: Bool

    public init(keepOrder: Bool, tag: Bool) {
        self.keepOrder = keepOrder
        self.tag = tag
    }
}

/// What starts a streamed output line on the terminal.
public enum StreamedLineTag: Sendable {
    /// `[id] line`, `[id stderr] line` (`submit --stream-output`).
    case taskID
    /// The line alone (`run --line-buffer`, as GNU parallel prints it).
    case none
    /// The task's input values and a tab (`run --line-buffer --tag`).
    case inputs
}

/// Writes each task's standard output to jobrun's standard output as one block when the task ends, and its
/// standard error to standard error likewise, so two tasks' output never interleave; with `keepOrder`, in
/// input order (tasks that end early wait for those before them).
///
/// Writes block: output is never dropped, as GNU parallel does. When the reader of standard output goes away
/// (`| head -1`), `readerGone` is set and nothing more is written.
final class TaskOutputBlocks {
    private let mode: TaskOutputMode
    /// The next sequence to print, with `keepOrder`.
    private var nextSequence: UInt64 = 0
    /// Output of tasks that ended before an earlier one, with `keepOrder`; `nil` for a task with nothing to print.
    private var waiting: [UInt64: (stdout: [UInt8], stderr: [UInt8])?] = [:]
    /// The reader of standard output closed it.
    private(set) var readerGone = false

    init(_ mode: TaskOutputMode) {
        self.mode = mode
    }

    /// A task ended with this result body: prints its output, or holds it until the tasks before it have ended.
    func taskEnded(_ sequence: UInt64, inputs: [String], body: [UInt8]) {
        let object = (try? body.withUnsafeBytes { try JSONParser.parse($0) })?.objectValue
        // The output's bytes that are not UTF-8 travel as `LosslessText` escapes; printed, they are the bytes again.
        var stdout = LosslessText.encode(object?["stdout"]?.stringValue ?? "")
        var stderr = LosslessText.encode(object?["stderr"]?.stringValue ?? "")
        if mode.tag {
            let tag = LosslessText.encode(inputs.joined(separator: "\t"))
            stdout = Self.tagged(stdout, with: tag)
            stderr = Self.tagged(stderr, with: tag)
        }
        deliver(sequence, (stdout, stderr))
    }

    /// A task with nothing to print (skipped on resume, or recorded without running).
    func skip(_ sequence: UInt64) {
        deliver(sequence, nil)
    }

    private func deliver(_ sequence: UInt64, _ output: (stdout: [UInt8], stderr: [UInt8])?) {
        guard mode.keepOrder else {
            if let output { write(output) }
            return
        }
        waiting[sequence] = .some(output)
        while let ready = waiting.removeValue(forKey: nextSequence) {
            if let ready { write(ready) }
            nextSequence += 1
        }
    }

    private func write(_ output: (stdout: [UInt8], stderr: [UInt8])) {
        if !readerGone, !output.stdout.isEmpty, !Self.writeAll(output.stdout, to: 1) { readerGone = true }
        if !output.stderr.isEmpty { _ = Self.writeAll(output.stderr, to: 2) }
    }

    /// `text` with `tag` and a tab before each line.
    static func tagged(_ text: [UInt8], with tag: [UInt8]) -> [UInt8] {
        guard !text.isEmpty else { return text }
        var result: [UInt8] = []
        result.reserveCapacity(text.count + 16)
        var atLineStart = true
        for byte in text {
            if atLineStart {
                result.append(contentsOf: tag)
                result.append(0x09)
            }
            result.append(byte)
            atLineStart = byte == 0x0A
        }
        return result
    }

    /// Writes all of `bytes`, waiting as long as the reader needs; false when the reader is gone.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool { FullWrite.write(bytes, to: descriptor) }
}

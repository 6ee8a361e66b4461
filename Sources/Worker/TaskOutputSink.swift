#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import WireProtocol

/// One exec/shell task's output on its way into the worker's `OutputLineBuffer`: cuts each stream into lines and
/// queues them a chunk at a time, or, while the buffer is full, drops whole chunks and counts the lines that started
/// in them, so a task that floods its output costs a scan for newlines per chunk and nothing per line.
///
/// Lines of a stream stay whole and in order: after a dropped chunk the rest of the line it ended in is skipped too.
/// Used by one thread, the task's process runner.
final class TaskOutputSink: OutputSink {
    private let buffer: OutputLineBuffer
    private let sequence: UInt64
    private let attempt: UInt32
    private var streams = [StreamState(stream: .stdout), StreamState(stream: .stderr)]

    private struct StreamState {
        var splitter: OutputLineSplitter
        /// The last byte seen did not end a line: a chunk starting now continues a line.
        var midLine = false
        /// The line in progress was dropped: its remaining bytes are skipped, up to its newline.
        var skipping = false
        init(stream: StandardStream) { splitter = OutputLineSplitter(stream: stream) }
    }

    init(buffer: OutputLineBuffer, sequence: UInt64, attempt: UInt32) {
        self.buffer = buffer
        self.sequence = sequence
        self.attempt = attempt
    }

    func write(_ chunk: UnsafeRawBufferPointer, from stream: StandardStream) {
        guard !chunk.isEmpty else { return }
        let index = stream == .stdout ? 0 : 1
        var bytes = chunk
        if streams[index].skipping {
            guard let newline = Self.firstNewline(in: bytes) else { return }
            streams[index].skipping = false
            streams[index].midLine = false
            bytes = UnsafeRawBufferPointer(rebasing: bytes[(newline + 1)...])
            if bytes.isEmpty { return }
        }
        let newlines = OutputLineSplitter.countNewlines(in: bytes)
        let endsLine = bytes[bytes.count - 1] == UInt8(ascii: "\n")
        // Lines that start in this chunk: one at its start unless it continues a line, one after each newline but
        // a final one.
        let starts = (streams[index].midLine ? 0 : 1) + newlines - (endsLine ? 1 : 0)
        let wire: TaskOutputLine.Stream = stream == .stdout ? .stdout : .stderr
        let taken = buffer.appendChunk(
            sequence: sequence, attempt: attempt, stream: wire, cost: bytes.count + 16 * (newlines + 1),
            lines: starts + (streams[index].midLine ? 1 : 0), now: Clocks.monotonicNanoseconds()
        ) { add in
            streams[index].splitter.append(bytes, deliver: add)
        }
        if !taken {
            // The line in progress (its start, kept by the splitter) is lost with this chunk.
            streams[index].splitter = OutputLineSplitter(stream: stream)
            streams[index].skipping = !endsLine
        }
        streams[index].midLine = !endsLine
    }

    func finish(_ stream: StandardStream) {
        let index = stream == .stdout ? 0 : 1
        guard !streams[index].skipping else { return }
        let wire: TaskOutputLine.Stream = stream == .stdout ? .stdout : .stderr
        var splitter = streams[index].splitter
        _ = buffer.appendChunk(
            sequence: sequence, attempt: attempt, stream: wire, cost: 16 + OutputLineSplitter.defaultMaxLineBytes,
            lines: streams[index].midLine ? 1 : 0, now: Clocks.monotonicNanoseconds()
        ) { add in
            splitter.finish(deliver: add)
        }
        streams[index].splitter = OutputLineSplitter(stream: stream)
    }

    private static func firstNewline(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, let found = memchr(base, 0x0A, bytes.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }
}

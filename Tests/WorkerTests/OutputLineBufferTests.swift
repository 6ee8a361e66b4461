import ChildProcess
import Synchronization
import Testing
import WireProtocol
@testable import Worker

@Suite("a worker's buffer of streamed output lines")
struct OutputLineBufferTests {
    /// Counts wake-ups.
    final class Wakes: Sendable {
        private let count = Mutex(0)
        func wake() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    static func line(_ text: String, _ stream: StandardStream = .stdout) -> OutputLine {
        OutputLine(stream: stream, bytes: Array(text.utf8))
    }

    static func texts(_ lines: [TaskOutputLine], sequence: UInt64, _ stream: TaskOutputLine.Stream = .stdout) -> [String] {
        lines.filter { $0.sequence == sequence && $0.stream == stream }.map { String(decoding: $0.text, as: UTF8.self) }
    }

    @Test("lines come out in order, tagged with their task, attempt and stream; the first line wakes the socket thread")
    func inOrder() {
        let wakes = Wakes()
        let buffer = OutputLineBuffer(wake: { wakes.wake() })
        #expect(buffer.nanosecondsUntilDue(now: 0) == nil)
        buffer.append(Self.line("a1"), sequence: 1, attempt: 1, now: 1000)
        buffer.append(Self.line("b1", .stderr), sequence: 2, attempt: 3, now: 1000)
        buffer.append(Self.line("a2"), sequence: 1, attempt: 1, now: 2000)
        #expect(wakes.value == 1)
        #expect(buffer.nanosecondsUntilDue(now: 1000) == OutputLineBuffer.flushNanoseconds)
        #expect(buffer.nanosecondsUntilDue(now: 1000 + OutputLineBuffer.flushNanoseconds) == 0)
        let lines = buffer.take()
        #expect(lines == [
            TaskOutputLine(sequence: 1, attempt: 1, stream: .stdout, text: Array("a1".utf8)),
            TaskOutputLine(sequence: 2, attempt: 3, stream: .stderr, text: Array("b1".utf8)),
            TaskOutputLine(sequence: 1, attempt: 1, stream: .stdout, text: Array("a2".utf8)),
        ])
        #expect(buffer.take().isEmpty)
        #expect(buffer.nanosecondsUntilDue(now: 5000) == nil)
    }

    @Test("a full batch is due at once and wakes the socket thread again")
    func batchIsDue() {
        let wakes = Wakes()
        let buffer = OutputLineBuffer(wake: { wakes.wake() })
        let text = String(repeating: "x", count: 1000)
        for _ in 0..<(OutputLineBuffer.batchBytes / 1000) {
            buffer.append(Self.line(text), sequence: 1, attempt: 1, now: 0)
        }
        #expect(wakes.value == 2)
        #expect(buffer.nanosecondsUntilDue(now: 0) == 0)
    }

    @Test("past the limit lines are dropped and counted per stream, with a marker after the kept lines; then it starts over")
    func dropsWithMarker() {
        let buffer = OutputLineBuffer(limitBytes: 100, wake: {})
        for index in 1...10 { buffer.append(Self.line("a-\(index)-padding-padding"), sequence: 1, attempt: 1, now: 0) }
        // The stream that lost lines keeps losing them until the next take, though a shorter line would fit.
        buffer.append(Self.line("a"), sequence: 1, attempt: 1, now: 0)
        buffer.append(Self.line("b"), sequence: 2, attempt: 1, now: 0)
        let lines = buffer.take()
        let first = Self.texts(lines, sequence: 1)
        #expect(first.count == 3)
        #expect(first.prefix(2) == ["a-1-padding-padding", "a-2-padding-padding"])
        #expect(first.last == "[jobrun: 9 lines dropped, written faster than they could be sent]")
        #expect(Self.texts(lines, sequence: 2) == ["b"])

        buffer.append(Self.line("a-again"), sequence: 1, attempt: 1, now: 0)
        #expect(Self.texts(buffer.take(), sequence: 1) == ["a-again"])
    }

    @Test("lines longer than the limit are still kept when nothing else waits")
    func oversizedLineAlone() {
        let buffer = OutputLineBuffer(limitBytes: 10, wake: {})
        buffer.append(Self.line(String(repeating: "y", count: 50)), sequence: 1, attempt: 1, now: 0)
        buffer.append(Self.line("z"), sequence: 1, attempt: 1, now: 0)
        #expect(Self.texts(buffer.take(), sequence: 1) == [String(repeating: "y", count: 50), "[jobrun: 1 line dropped, written faster than they could be sent]"])
    }

    @Test("messages hold whole lines, in order, up to about the message size")
    func batches() {
        let big = [UInt8](repeating: 65, count: OutputLineBuffer.messageBytes / 3)
        let lines = (0..<7).map { TaskOutputLine(sequence: UInt64($0), attempt: 1, stream: .stdout, text: big) }
        let batches = OutputLineBuffer.batches(lines)
        #expect(batches.map(\.count) == [2, 2, 2, 1])
        #expect(batches.flatMap { $0 } == lines)
        #expect(OutputLineBuffer.batches([]).isEmpty)
    }
}

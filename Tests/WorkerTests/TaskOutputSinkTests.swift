import ChildProcess
import Testing
import WireProtocol
@testable import Worker

@Suite("a task's output on its way into the line buffer")
struct TaskOutputSinkTests {
    static func write(_ sink: TaskOutputSink, _ text: String, _ stream: StandardStream = .stdout) {
        Array(text.utf8).withUnsafeBytes { sink.write($0, from: stream) }
    }

    static func texts(_ lines: [TaskOutputLine]) -> [String] {
        lines.map { String(decoding: $0.text, as: UTF8.self) }
    }

    @Test("chunks become whole lines, whatever the chunk boundaries; the unterminated last line comes at the end")
    func lines() {
        let buffer = OutputLineBuffer(wake: {})
        let sink = TaskOutputSink(buffer: buffer, sequence: 4, attempt: 2)
        Self.write(sink, "one\ntw")
        Self.write(sink, "o\nthree\nfo")
        Self.write(sink, "err\n", .stderr)
        Self.write(sink, "ur")
        sink.finish(.stdout)
        sink.finish(.stderr)
        let lines = buffer.take()
        #expect(Self.texts(lines.filter { $0.stream == .stdout }) == ["one", "two", "three", "four"])
        #expect(Self.texts(lines.filter { $0.stream == .stderr }) == ["err"])
        #expect(lines.allSatisfy { $0.sequence == 4 && $0.attempt == 2 })
    }

    @Test("a full buffer drops whole chunks and counts their lines; the line cut by a dropped chunk is skipped to its end")
    func flood() {
        let buffer = OutputLineBuffer(limitBytes: 1000, wake: {})
        let sink = TaskOutputSink(buffer: buffer, sequence: 1, attempt: 1)
        Self.write(sink, "a\nb\n")
        Self.write(sink, String(repeating: "y\n", count: 600))  // does not fit: 600 lines dropped
        Self.write(sink, "partial")  // the stream is dropping: a line that starts here is dropped
        var lines = buffer.take()
        #expect(Self.texts(lines) == ["a", "b", String(decoding: OutputLineBuffer.marker(dropped: 601), as: UTF8.self)])
        Self.write(sink, " rest of it\nz\n")
        sink.finish(.stdout)
        lines = buffer.take()
        #expect(Self.texts(lines) == ["z"])
    }
}

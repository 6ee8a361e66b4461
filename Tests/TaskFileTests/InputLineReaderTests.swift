import Glibc
import Testing

@testable import TaskFile

/// Lines from a real pipe: nothing blocks, lines split across writes come back whole, and a line beyond the
/// limit is a located problem instead of unbounded growth.
struct InputLineReaderTests {
    /// A pipe: the reader gets the read end; returns the write end.
    static func pipeReader(maxLineBytes: Int = InputLimits.maxLineBytes) -> (InputLineReader, Int32) {
        var ends: [Int32] = [0, 0]
        precondition(pipe(&ends) == 0)
        let reader = InputLineReader(descriptor: ends[0], name: "pipe", ownsDescriptor: true, maxLineBytes: maxLineBytes)
        return (reader, ends[1])
    }

    static func send(_ text: String, to descriptor: Int32) {
        var copy = text
        copy.withUTF8 { _ = write(descriptor, $0.baseAddress, $0.count) }
    }

    @Test func waitsInsteadOfBlockingAndJoinsSplitLines() {
        let (reader, writer) = Self.pipeReader()
        if case .waiting = reader.next() {} else { Issue.record("expected .waiting on an empty open pipe") }
        Self.send("first li", to: writer)
        if case .waiting = reader.next() {} else { Issue.record("a partial line is not a line yet") }
        Self.send("ne\nsecond\nthi", to: writer)
        guard case .line(let first, 1) = reader.next(), case .line(let second, 2) = reader.next() else {
            Issue.record("expected two lines")
            return
        }
        #expect(String(decoding: first, as: UTF8.self) == "first line")
        #expect(String(decoding: second, as: UTF8.self) == "second")
        close(writer)
        guard case .line(let third, 3) = reader.next() else {
            Issue.record("the last line without a newline is a line at the end")
            return
        }
        #expect(third == Array("thi".utf8))
        if case .end = reader.next() {} else { Issue.record("expected .end") }
    }

    @Test func aLineBeyondTheLimitIsAProblemNamingIt() {
        let (reader, writer) = Self.pipeReader(maxLineBytes: 1000)
        Self.send("ok\n" + String(repeating: "x", count: 5000), to: writer)
        guard case .line = reader.next() else {
            Issue.record("expected the first line")
            return
        }
        var outcome: InputLineReader.Event = .waiting
        for _ in 0..<100 {
            outcome = reader.next()
            if case .waiting = outcome { continue }
            break
        }
        guard case .problem(let problem) = outcome else {
            Issue.record("expected a problem, got \(outcome)")
            return
        }
        #expect(problem.line == 2)
        #expect(problem.path == "pipe")
        close(writer)
    }

    @Test func streamTaskReaderStopsAtTheFirstBadLine() {
        let (lines, writer) = Self.pipeReader()
        let reader = StreamTaskReader(lines: lines, validateKind: testKinds)
        Self.send(#"{"exec": ["a"]}"# + "\n\n" + #"{"id": "x", "exec": "b"}"# + "\n", to: writer)
        guard case .task(let first) = reader.next() else {
            Issue.record("expected the first task")
            return
        }
        #expect(first.spec.command == .exec(["a"]))
        guard case .problem(let problem) = reader.next() else {
            Issue.record("expected a problem")
            return
        }
        #expect(problem.line == 3)
        #expect(problem.field == "exec")
        if case .end = reader.next() {} else { Issue.record("nothing is read after a problem") }
        close(writer)
    }

    @Test func aJSONDocumentOnAPipeSaysHowToPassIt() {
        let (lines, writer) = Self.pipeReader()
        let reader = StreamTaskReader(lines: lines, validateKind: testKinds)
        Self.send("{\"tasks\": [\n{\"exec\": [\"a\"]}\n]}\n", to: writer)
        close(writer)
        guard case .problem(let problem) = reader.next() else {
            Issue.record("expected a problem")
            return
        }
        #expect(problem.message.contains("JSON task file"))
    }
}

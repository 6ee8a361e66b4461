@testable import ChildProcess
import CChildProcess
import Glibc
import Synchronization
import Testing

/// The pump's wake-ups around a program's end, with pipes standing in for the program's output and its pidfd.
@Suite("the output pump")
struct OutputPumpTests {
    /// What the pump handed its sink, in order.
    final class RecordingSink: OutputSink, Sendable {
        let events = Mutex<[String]>([])
        func write(_ chunk: UnsafeRawBufferPointer, from stream: StandardStream) {
            let text = String(decoding: chunk, as: UTF8.self)
            events.withLock { $0.append("\(stream): \(text)") }
        }
        func finish(_ stream: StandardStream) {
            events.withLock { $0.append("\(stream) ended") }
        }
    }

    @Test("a program that closes its output before it ends wakes the pump for its output and its end only")
    func closingTheStreamsWakesNothing() throws {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1], end: [Int32] = [-1, -1]
        try #require(cchildprocess_pipe_cloexec(&out) == 0 && cchildprocess_pipe_cloexec(&err) == 0)
        try #require(cchildprocess_pipe_cloexec(&end) == 0)
        defer { close(end[1]) }
        // The program's own write ends; the pump holds the originals.
        let programOut = dup(out[1]), programErr = dup(err[1])
        try #require(programOut >= 0 && programErr >= 0)
        let sink = RecordingSink()
        let result = Mutex<(stdout: String, wakes: Int)?>(nil)
        let (stdoutRead, stderrRead, endRead, held) = (out[0], err[0], end[0], [out[1], err[1]])
        TestThread.start {
            var pump = OutputPump(stdout: stdoutRead, stderr: stderrRead, stdin: -1, input: [], inputOffset: 0, cap: 1 << 20)
            let watch = PumpWatch(
                programEnd: endRead, heldWriters: held, onProgramEnd: { sink.events.withLock { $0.append("program ended") } },
                tickNanoseconds: 600_000_000_000, onTick: {}, drainMilliseconds: 10_000)
            pump.run(sink: sink, watch: watch)
            result.withLock { $0 = (String(decoding: pump.stdout.bytes, as: UTF8.self), pump.wakesBeforeProgramEnd) }
        }
        // The program writes a line and closes both streams; once the pump has read the line, the program ends.
        #expect(write(programOut, "line\n", 5) == 5)
        close(programOut)
        close(programErr)
        #expect(eventually(within: 10) { sink.events.withLock { $0.contains("stdout: line\n") } })
        #expect(write(end[1], "x", 1) == 1)
        #expect(eventually(within: 10) { result.withLock { $0 != nil } })
        let pumped = try #require(result.withLock { $0 })
        #expect(pumped.stdout == "line\n")
        let events = sink.events.withLock { $0 }
        #expect(events.first == "stdout: line\n" && events.dropFirst().first == "program ended", "\(events)")
        #expect(Set(events.dropFirst(2)) == ["stdout ended", "stderr ended"], "\(events)")
        #expect(pumped.wakes == 1, "woke \(pumped.wakes) times before the end: once for the line, and not for the closes")
    }
}

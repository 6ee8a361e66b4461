import ChildProcess
import Synchronization
import WireProtocol

/// Output lines of running tasks waiting for the worker's socket thread, which sends them in batches.
///
/// Bounded: while `limitBytes` of lines wait, further lines are dropped and counted per task and stream, and the next
/// `take()` adds a marker line for each such stream after the lines it kept (`[jobrun: 3 lines dropped, …]`). A
/// stream that lost lines keeps dropping until that take, so the lines of one stream stay in order; a task never
/// blocks on its output.
///
/// Threads: `append` from any thread (the tasks' output pumps); the rest from the socket thread. `wake` is called
/// when the first line arrives and when the lines reach a batch, so the socket thread can plan its next send.
final class OutputLineBuffer: Sendable {
    /// Lines are sent at the latest this long after the first of a batch arrived.
    static let flushNanoseconds: UInt64 = 50_000_000
    /// Lines are sent as soon as this many bytes wait.
    static let batchBytes = 64 << 10
    /// The most bytes of lines one `output` message carries (lines are never split across messages).
    static let messageBytes = 256 << 10

    let limitBytes: Int
    private let wake: @Sendable () -> Void
    private let state = Mutex(State())

    private struct State {
        var lines: [TaskOutputLine] = []
        var bytes = 0
        var firstArrival: UInt64?
        var dropped: [StreamKey: Int] = [:]
    }

    private struct StreamKey: Hashable {
        let sequence: UInt64
        let attempt: UInt32
        let stream: TaskOutputLine.Stream
    }

    /// A buffer holding at most `limitBytes` of lines (default 1 MiB).
    init(limitBytes: Int = 1 << 20, wake: @escaping @Sendable () -> Void) {
        self.limitBytes = limitBytes
        self.wake = wake
    }

    /// Adds a line of task `sequence`'s attempt `attempt`, or counts it as dropped when the buffer is full.
    func append(_ line: OutputLine, sequence: UInt64, attempt: UInt32, now: UInt64) {
        let stream: TaskOutputLine.Stream = line.stream == .stdout ? .stdout : .stderr
        let taken = appendChunk(sequence: sequence, attempt: attempt, stream: stream, cost: line.bytes.count + 16, lines: 1, now: now) { add in
            add(line)
        }
        _ = taken
    }

    /// Adds the lines `split` produces from one chunk of a task's stream when `cost` more bytes fit (and the stream
    /// is not dropping lines); otherwise counts `lines` lines as dropped for that stream. Returns whether the chunk
    /// was taken. `split` runs under the lock, so a chunk costs one lock and nothing per dropped line.
    func appendChunk(
        sequence: UInt64, attempt: UInt32, stream: TaskOutputLine.Stream, cost: Int, lines: Int, now: UInt64,
        split: (_ add: (OutputLine) -> Void) -> Void
    ) -> Bool {
        let key = StreamKey(sequence: sequence, attempt: attempt, stream: stream)
        let (taken, shouldWake): (Bool, Bool) = state.withLock { state in
            if state.dropped[key] != nil || (state.bytes > 0 && state.bytes + cost > limitBytes) {
                state.dropped[key, default: 0] += lines
                return (false, false)
            }
            let before = state.bytes
            split { line in
                state.lines.append(TaskOutputLine(sequence: sequence, attempt: attempt, stream: stream, text: line.bytes, cut: line.cut))
                state.bytes += line.bytes.count + 16
            }
            if state.firstArrival == nil, state.bytes > before { state.firstArrival = now }
            return (true, (before == 0 && state.bytes > 0) || (before < Self.batchBytes && state.bytes >= Self.batchBytes))
        }
        if shouldWake { wake() }
        return taken
    }

    /// Nanoseconds until the waiting lines are due to be sent (0 when they are due), or `nil` when none wait.
    func nanosecondsUntilDue(now: UInt64) -> UInt64? {
        state.withLock { state in
            guard let first = state.firstArrival else { return state.dropped.isEmpty ? nil : 0 }
            if state.bytes >= Self.batchBytes { return 0 }
            let due = first + Self.flushNanoseconds
            return due > now ? due - now : 0
        }
    }

    /// Takes every waiting line, followed by a marker line for each stream that lost lines since the last take.
    func take() -> [TaskOutputLine] {
        state.withLock { state in
            var lines = state.lines
            for (key, count) in state.dropped.filter({ $0.value > 0 }).sorted(by: { ($0.key.sequence, $0.key.stream.rawValue) < ($1.key.sequence, $1.key.stream.rawValue) }) {
                lines.append(
                    TaskOutputLine(sequence: key.sequence, attempt: key.attempt, stream: key.stream, text: Self.marker(dropped: count)))
            }
            state = State()
            return lines
        }
    }

    /// The line that stands for `count` dropped lines.
    static func marker(dropped count: Int) -> [UInt8] {
        Array("[jobrun: \(count) line\(count == 1 ? "" : "s") dropped, written faster than they could be sent]".utf8)
    }

    /// `lines` in groups of at most about `messageBytes` each, in order.
    static func batches(_ lines: [TaskOutputLine]) -> [ArraySlice<TaskOutputLine>] {
        var batches: [ArraySlice<TaskOutputLine>] = []
        var start = 0
        var bytes = 0
        for (index, line) in lines.enumerated() {
            if index > start, bytes + line.text.count > messageBytes {
                batches.append(lines[start..<index])
                start = index
                bytes = 0
            }
            bytes += line.text.count + 16
        }
        if start < lines.count { batches.append(lines[start...]) }
        return batches
    }
}

/// Where `ProcessRunner.run` hands a child's output as it reads it, a chunk at a time, on the runner's thread: a
/// consumer that can decide per chunk (a bounded buffer counting what it drops) costs nothing per line it drops.
public protocol OutputSink: AnyObject {
    /// Bytes just read from `stream` (valid only during the call).
    func write(_ chunk: UnsafeRawBufferPointer, from stream: StandardStream)
    /// `stream` reached its end (or was closed because the program ended).
    func finish(_ stream: StandardStream)
}

/// An `OutputSink` that cuts each stream into lines (`OutputLineSplitter`) and hands every line to a callback.
public final class LineSplittingSink: OutputSink {
    private var stdoutLines = OutputLineSplitter(stream: .stdout)
    private var stderrLines = OutputLineSplitter(stream: .stderr)
    private let onLine: (OutputLine) -> Void

    public init(onLine: @escaping (OutputLine) -> Void) {
        self.onLine = onLine
    }

    public func write(_ chunk: UnsafeRawBufferPointer, from stream: StandardStream) {
        switch stream {
        case .stdout: stdoutLines.append(chunk, deliver: onLine)
        case .stderr: stderrLines.append(chunk, deliver: onLine)
        }
    }

    public func finish(_ stream: StandardStream) {
        switch stream {
        case .stdout: stdoutLines.finish(deliver: onLine)
        case .stderr: stderrLines.finish(deliver: onLine)
        }
    }
}

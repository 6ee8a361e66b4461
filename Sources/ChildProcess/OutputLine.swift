/// One of a child's two output streams.
public enum StandardStream: Sendable, Equatable {
    case stdout, stderr
}

/// One line a child wrote, as `ProcessRunner.run` delivers it to its `onLine` callback.
public struct OutputLine: Sendable, Equatable {
    /// The stream the line came from.
    public var stream: StandardStream
    /// The line's bytes without its `\n` (a `\r` before it is kept). Not necessarily valid UTF-8.
    public var bytes: [UInt8]
    /// Whether the line was longer than the line limit: these are its first bytes, and the rest follows as the
    /// next line(s) of the same stream.
    public var cut: Bool

    /// Creates a line.
    public init(stream: StandardStream, bytes: [UInt8], cut: Bool = false) {
        self.stream = stream
        self.bytes = bytes
        self.cut = cut
    }
}

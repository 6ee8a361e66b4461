import CChildProcess

/// Cuts one stream's bytes into lines as they arrive: each `\n` ends a line (the `\n` is dropped, a `\r` before it
/// is kept), the unterminated rest waits for more bytes, and `finish()` delivers it at end of file.
///
/// A line longer than `maxLineBytes` is delivered in pieces of at most that size, each marked `cut` but the last,
/// so a stream without newlines (a binary blob) never holds more than `maxLineBytes`. A piece ends before a UTF-8
/// sequence it would split, when there is one within its last three bytes. A value type for one thread.
public struct OutputLineSplitter {
    /// The default longest line: 64 KiB.
    public static let defaultMaxLineBytes = 65536

    /// The stream whose lines this splits.
    public let stream: StandardStream
    /// The most bytes delivered as one line.
    public let maxLineBytes: Int
    private var partial: [UInt8] = []

    /// A splitter for `stream`; `maxLineBytes` below 4 counts as 4.
    public init(stream: StandardStream, maxLineBytes: Int = OutputLineSplitter.defaultMaxLineBytes) {
        self.stream = stream
        self.maxLineBytes = max(maxLineBytes, 4)
    }

    /// Splits `chunk`, delivering every line it completes in order.
    public mutating func append(_ chunk: UnsafeRawBufferPointer, deliver: (OutputLine) -> Void) {
        var start = 0
        while start < chunk.count {
            guard let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                keep(UnsafeRawBufferPointer(rebasing: chunk[start...]), deliver: deliver)
                return
            }
            keep(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]), deliver: deliver)
            deliver(OutputLine(stream: stream, bytes: partial))
            partial.removeAll(keepingCapacity: true)
            start = newline + 1
        }
    }

    /// Convenience for tests and callers holding an array.
    public mutating func append(_ bytes: [UInt8], deliver: (OutputLine) -> Void) {
        bytes.withUnsafeBytes { append($0, deliver: deliver) }
    }

    /// Delivers the unterminated last line, if any (call at end of file).
    public mutating func finish(deliver: (OutputLine) -> Void) {
        guard !partial.isEmpty else { return }
        deliver(OutputLine(stream: stream, bytes: partial))
        partial.removeAll()
    }

    /// Adds bytes of an unfinished line, delivering cut pieces whenever it reaches the limit.
    private mutating func keep(_ bytes: UnsafeRawBufferPointer, deliver: (OutputLine) -> Void) {
        var offset = 0
        while offset < bytes.count {
            let room = maxLineBytes - partial.count
            let take = min(room, bytes.count - offset)
            partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take]))
            offset += take
            if partial.count == maxLineBytes, offset < bytes.count {
                deliverCut(deliver)
            }
        }
    }

    /// Delivers the full partial line as a cut piece, keeping an incomplete UTF-8 sequence at its end for the next.
    private mutating func deliverCut(_ deliver: (OutputLine) -> Void) {
        let end = Self.utf8Boundary(partial)
        deliver(OutputLine(stream: stream, bytes: Array(partial[..<end]), cut: true))
        partial.removeFirst(end)
    }

    /// How many newlines `bytes` holds (fast whatever the build).
    public static func countNewlines(in bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        return cchildprocess_count_byte(base, bytes.count, 0x0A)
    }

    /// Where to cut `bytes` so that no UTF-8 sequence is split: its end, or the start of a sequence left
    /// incomplete within the last three bytes.
    static func utf8Boundary(_ bytes: [UInt8]) -> Int {
        let end = bytes.count
        for back in 1...min(3, end) {
            let byte = bytes[end - back]
            if byte & 0xC0 == 0x80 { continue }  // a continuation byte: look further back
            let length = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            return length > back ? end - back : end
        }
        return end
    }
}

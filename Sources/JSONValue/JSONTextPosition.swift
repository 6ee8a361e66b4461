#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 1-based line and column in UTF-8 text, where columns count Unicode scalars (bytes that are not UTF-8
/// continuation bytes).
///
/// Used by the parser for error positions and by streaming readers to track where they are in a file.
package struct JSONTextPosition: Sendable, Hashable {
    /// The 1-based line.
    package var line: Int
    /// The 1-based column, in Unicode scalars.
    package var column: Int

    /// Line 1, column 1.
    package init() {
        line = 1
        column = 1
    }

    /// A given line and column.
    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// Moves past `count` bytes of text starting at `start`.
    package mutating func advance(over start: UnsafeRawPointer, count: Int) {
        guard count > 0 else { return }
        var lineStart = 0
        var searchFrom = 0
        while searchFrom < count, let hit = memchr(start + searchFrom, 0x0A, count - searchFrom) {
            let at = UnsafeRawPointer(hit) - start
            line += 1
            lineStart = at + 1
            searchFrom = at + 1
        }
        if lineStart > 0 { column = 1 }
        column += Self.scalarCount(start + lineStart, count: count - lineStart)
    }

    /// The number of bytes in `count` bytes at `start` that are not UTF-8 continuation bytes (`10xxxxxx`).
    private static func scalarCount(_ start: UnsafeRawPointer, count: Int) -> Int {
        var continuations = 0
        var at = 0
        // Eight bytes at a time: a byte is a continuation byte when its top bit is set and the next is clear.
        while at + 8 <= count {
            let word = start.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            continuations += (word & ~(word << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
            at += 8
        }
        let bytes = start.assumingMemoryBound(to: UInt8.self)
        while at < count {
            if bytes[at] & 0xC0 == 0x80 { continuations += 1 }
            at += 1
        }
        return count - continuations
    }

    /// The position of byte `offset` in `bytes`, counted from line 1, column 1 at `bytes[0]`.
    package static func of(offset: Int, in bytes: UnsafeRawBufferPointer) -> JSONTextPosition {
        var position = JSONTextPosition()
        if let base = bytes.baseAddress { position.advance(over: base, count: min(offset, bytes.count)) }
        return position
    }
}

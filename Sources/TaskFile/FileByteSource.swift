#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONValue

/// Why a `FileByteSource` could not go on.
enum ByteSourceFailure: Error {
    /// Reading failed; the problem has the path and the system's reason.
    case read(TaskFileProblem)
    /// The bytes are not valid JSON; the error's offset, line and column are in file coordinates.
    case syntax(JSONSyntaxError)
}

/// A window onto a file read in chunks, that knows the file offset, line and column of its first unconsumed
/// byte. Values are parsed straight from the window; when one does not fit, the window grows until it does,
/// so memory stays bounded by the chunk size plus the largest single value. Not thread-safe.
final class FileByteSource {
    private let file: OpenTaskFile
    private let chunkSize: Int
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    /// The first unconsumed byte in `storage`.
    private var start = 0
    /// The end of the bytes read into `storage`.
    private var end = 0
    /// The file offset of the next read.
    private var readOffset: Int
    /// Whether a read returned end of file.
    private(set) var reachedEnd = false
    /// The line and column of the first unconsumed byte.
    private(set) var position: JSONTextPosition
    /// The file offset of the first unconsumed byte.
    private(set) var offset: Int
    /// Whether `position` is kept up to date (a source that only looks ahead can skip the work).
    private let tracksPosition: Bool

    /// A source reading `file` from `offset`, where the text is at `position`. When `tracksPosition` is false,
    /// `position` stays where it started and syntax errors carry meaningless lines and columns.
    init(
        file: OpenTaskFile, offset: Int = 0, position: JSONTextPosition = JSONTextPosition(),
        chunkSize: Int = 256 << 10, tracksPosition: Bool = true
    ) {
        self.file = file
        self.tracksPosition = tracksPosition
        self.chunkSize = chunkSize
        capacity = chunkSize
        storage = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        readOffset = offset
        self.offset = offset
        self.position = position
    }

    deinit { storage.deallocate() }

    /// The unconsumed bytes read so far.
    var available: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage + start, count: end - start)
    }

    /// Reads more of the file after the unconsumed bytes, moving them to the front or growing the window as
    /// needed. Returns false (and sets `reachedEnd`) at end of file.
    func fill() throws(ByteSourceFailure) -> Bool {
        guard !reachedEnd else { return false }
        if start > 0 {
            if end > start { memmove(storage, storage + start, end - start) }
            end -= start
            start = 0
        }
        if capacity - end < chunkSize / 2 {
            // One value that does not end: stop before it takes all memory (`/dev/zero`, a runaway string).
            guard end - start <= InputLimits.maxLineBytes else {
                throw .read(
                    TaskFileProblem(
                        path: file.path, line: position.line, column: position.column, task: nil, field: nil,
                        message: "one task (or line) here is longer than \(InputLimits.maxLineBytes >> 20) MiB, the most "
                            + "jobrun reads as one value (is this the right file?)"))
            }
            let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
            grown.copyMemory(from: storage, byteCount: end)
            storage.deallocate()
            storage = grown
            capacity *= 2
        }
        let count: Int
        do {
            count = try file.read(into: storage + end, count: capacity - end, at: readOffset)
        } catch {
            throw .read(error)
        }
        if count == 0 {
            reachedEnd = true
            return false
        }
        end += count
        readOffset += count
        return true
    }

    /// Makes sure at least `count` unconsumed bytes are available unless the file ends first.
    func ensure(_ count: Int) throws(ByteSourceFailure) {
        while end - start < count {
            guard try fill() else { return }
        }
    }

    /// Consumes `count` bytes, moving the position past them.
    func consume(_ count: Int) {
        if count == 1 && tracksPosition {
            // Punctuation: the common case, without the general scan.
            let byte = storage.load(fromByteOffset: start, as: UInt8.self)
            if byte == 0x0A {
                position = JSONTextPosition(line: position.line + 1, column: 1)
            } else if byte & 0xC0 != 0x80 {
                position.column += 1
            }
        } else if tracksPosition {
            position.advance(over: storage + start, count: count)
        }
        start += count
        offset += count
    }

    /// Consumes `count` bytes that end with a newline and hold no other newline.
    func consumeLine(_ count: Int) {
        position = JSONTextPosition(line: position.line + 1, column: 1)
        start += count
        offset += count
    }

    /// Consumes JSON whitespace, reading as needed, and returns the next byte without consuming it; `nil` at
    /// end of file.
    func peekNonWhitespace() throws(ByteSourceFailure) -> UInt8? {
        while true {
            let bytes = storage.assumingMemoryBound(to: UInt8.self)
            let limit = end
            var at = start
            var line = position.line
            var column = position.column
            var found: UInt8?
            while at < limit {
                let byte = bytes[at]
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                    column += 1
                } else {
                    found = byte
                    break
                }
                at += 1
            }
            offset += at - start
            start = at
            if tracksPosition { position = JSONTextPosition(line: line, column: column) }
            if let found { return found }
            guard try fill() else { return nil }
        }
    }

    /// Skips the rest of an array whose opening bracket was consumed, through its closing bracket, matching
    /// brackets and skipping strings but checking nothing else. Returns false if the file ends first.
    func skipRestOfArray() throws(ByteSourceFailure) -> Bool {
        var depth = 1
        var inString = false
        while true {
            let bytes = UnsafeBufferPointer(
                start: storage.assumingMemoryBound(to: UInt8.self) + start, count: end - start)
            let limit = bytes.count
            var at = 0
            scanning: while at < limit {
                if inString {
                    while at < limit && bytes[at] != UInt8(ascii: "\"") && bytes[at] != UInt8(ascii: "\\") { at += 1 }
                    guard at < limit else { break scanning }
                    if bytes[at] == UInt8(ascii: "\"") {
                        inString = false
                        at += 1
                    } else {
                        // An escape: skip the backslash and the character after it (if it is in this window).
                        guard at + 1 < limit else { break scanning }
                        at += 2
                    }
                    continue
                }
                while at < limit && !Self.isStructural(bytes[at]) { at += 1 }
                guard at < limit else { break scanning }
                switch bytes[at] {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                default:
                    depth -= 1
                    if depth == 0 {
                        consume(at + 1)
                        return true
                    }
                }
                at += 1
            }
            consume(at)
            guard try fill() else { return false }
        }
    }

    /// Whether `skipRestOfArray` stops at `byte` outside strings: a quote or a bracket (`[` and `{` differ from
    /// `]` and `}` only in bit 0x20 set in both).
    @inline(__always)
    private static func isStructural(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte | 0x20 == UInt8(ascii: "{") || byte | 0x20 == UInt8(ascii: "}")
    }

    /// Parses the JSON value at the current position and consumes it.
    func parseValue() throws(ByteSourceFailure) -> JSONValue {
        while true {
            let outcome = Result { () throws(JSONSyntaxError) in
                try JSONParser.parsePrefix(available, isFinal: reachedEnd)
            }
            switch outcome {
            case .success(let (value, length)):
                consume(length)
                return value
            case .failure(let error):
                try handle(error)
            }
        }
    }

    /// Checks the JSON value at the current position without building it, and consumes it.
    func skipValue() throws(ByteSourceFailure) {
        while true {
            let outcome = Result { () throws(JSONSyntaxError) in
                try JSONParser.skipPrefix(available, isFinal: reachedEnd)
            }
            switch outcome {
            case .success(let length):
                consume(length)
                return
            case .failure(let error):
                try handle(error)
            }
        }
    }

    /// Reads more for an error that needs more input (the caller then tries again), or throws a syntax error in
    /// file coordinates.
    private func handle(_ error: JSONSyntaxError) throws(ByteSourceFailure) {
        if error.needsMoreInput && !reachedEnd {
            _ = try fill()
            return
        }
        throw .syntax(locate(error))
    }

    /// A syntax error `expected <expected>, found <the next byte>` at the current position.
    func unexpected(_ expected: String) throws(ByteSourceFailure) -> ByteSourceFailure {
        try ensure(4)
        return .syntax(locate(JSONParser.unexpected(expected, at: 0, in: available, isFinal: true)))
    }

    /// A syntax error with a custom message at the current position.
    func syntaxError(_ message: String) -> ByteSourceFailure {
        .syntax(JSONSyntaxError(message: message, offset: offset, line: position.line, column: position.column))
    }

    /// `error` (relative to the unconsumed bytes) in file coordinates.
    private func locate(_ error: JSONSyntaxError) -> JSONSyntaxError {
        error.relocated(offset: offset, line: position.line, column: position.column)
    }

    /// The position of file offset `target` in `file`, found by reading forward from `offset`, which is at
    /// `position`.
    static func position(
        of target: Int, in file: OpenTaskFile, from offset: Int, at position: JSONTextPosition
    ) throws(ByteSourceFailure) -> JSONTextPosition {
        let chunkSize = 256 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var current = position
        var at = offset
        while at < target {
            let count: Int
            do {
                count = try file.read(into: buffer, count: min(chunkSize, target - at), at: at)
            } catch {
                throw .read(error)
            }
            guard count > 0 else { break }
            current.advance(over: buffer, count: count)
            at += count
        }
        return current
    }
}

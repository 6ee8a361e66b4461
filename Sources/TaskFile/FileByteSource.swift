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
        if tracksPosition { position.advance(over: storage + start, count: count) }
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
            while start < end {
                switch bytes[start] {
                case 0x0A:
                    position = JSONTextPosition(line: position.line + 1, column: 1)
                case 0x20, 0x09, 0x0D:
                    position.column += 1
                default:
                    return bytes[start]
                }
                start += 1
                offset += 1
            }
            guard try fill() else { return nil }
        }
    }

    /// Skips the rest of an array whose opening bracket was consumed, through its closing bracket, matching
    /// brackets and skipping strings but checking nothing else. Returns false if the file ends first.
    func skipRestOfArray() throws(ByteSourceFailure) -> Bool {
        var depth = 1
        var inString = false
        var escaped = false
        while true {
            let bytes = storage.assumingMemoryBound(to: UInt8.self)
            var at = start
            while at < end {
                let byte = bytes[at]
                at += 1
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth -= 1
                    if depth == 0 {
                        consume(at - start)
                        return true
                    }
                default:
                    break
                }
            }
            consume(at - start)
            guard try fill() else { return false }
        }
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

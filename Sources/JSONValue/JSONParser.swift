/// Strict RFC 8259 JSON parsing and validation over UTF-8 bytes.
///
/// Rejects trailing commas, comments, NaN/Infinity, leading zeros, invalid UTF-8, control characters in
/// strings, lone surrogate escapes, duplicate keys within one object, and nesting deeper than
/// `maximumDepth`. Every error names what was expected and what was found, with its line and column.
/// All functions are pure and safe to call from any thread.
public enum JSONParser {
    /// The deepest nesting of arrays and objects accepted, so that hostile input cannot exhaust the stack.
    /// Optimized builds use about 300 bytes of stack per level (about 160 KiB at the limit); unoptimized
    /// builds need several times more.
    public static let maximumDepth = 512

    /// Parses exactly one JSON value, with optional whitespace around it.
    ///
    /// - Throws: `JSONSyntaxError` for anything that is not exactly one valid value.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) -> JSONValue {
        var scanner = JSONScanner(bytes, isFinal: true)
        var builder = JSONValueBuilder()
        let value = try scanner.scanValue(&builder)
        try scanner.expectEnd()
        return value
    }

    /// Parses exactly one JSON value, with optional whitespace around it.
    ///
    /// - Throws: `JSONSyntaxError` for anything that is not exactly one valid value.
    public static func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONSyntaxError) in try parse(raw) }
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from text, with optional whitespace around it.
    ///
    /// - Throws: `JSONSyntaxError` for anything that is not exactly one valid value.
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var copy = text
        let result = copy.withUTF8 { utf8 in
            Result { () throws(JSONSyntaxError) in try parse(UnsafeRawBufferPointer(utf8)) }
        }
        return try result.get()
    }

    /// Checks that the bytes are exactly one JSON value with the same grammar and errors as `parse`, without
    /// building anything. Allocates nothing except for objects with more than 16 keys or more than 64 keys open
    /// at once (for the duplicate-key check) and for error messages.
    ///
    /// - Throws: the same `JSONSyntaxError` that `parse` would throw.
    public static func validate(_ bytes: UnsafeRawBufferPointer) throws(JSONSyntaxError) {
        try JSONValidator.withValidator { validator throws(JSONSyntaxError) in
            var scanner = JSONScanner(bytes, isFinal: true)
            try scanner.scanValue(&validator)
            try scanner.expectEnd()
        }
    }

    /// Parses the one JSON value at the start of `bytes` (after optional whitespace) and returns it with the
    /// offset just past it; bytes after the value are not looked at.
    ///
    /// When `isFinal` is false, `bytes` may be cut short of the full input: reaching the end in the middle of
    /// the value (including a number that ends exactly at the end) throws an error whose `needsMoreInput` is
    /// set; read more and call again. Error positions are relative to `bytes`.
    package static func parsePrefix(
        _ bytes: UnsafeRawBufferPointer, isFinal: Bool
    ) throws(JSONSyntaxError) -> (value: JSONValue, end: Int) {
        var scanner = JSONScanner(bytes, isFinal: isFinal)
        var builder = JSONValueBuilder()
        let value = try scanner.scanValue(&builder)
        return (value, scanner.index)
    }

    /// Like `parsePrefix`, but only checks the value (as `validate` does) and returns the offset just past it.
    package static func skipPrefix(_ bytes: UnsafeRawBufferPointer, isFinal: Bool) throws(JSONSyntaxError) -> Int {
        try JSONValidator.withValidator { validator throws(JSONSyntaxError) in
            var scanner = JSONScanner(bytes, isFinal: isFinal)
            try scanner.scanValue(&validator)
            return scanner.index
        }
    }

    /// Describes the byte at `offset` of `bytes` as syntax errors do (`'x'`, `newline`, `end of input`).
    package static func describeByte(at offset: Int, in bytes: UnsafeRawBufferPointer) -> String {
        JSONScanner(bytes, isFinal: true).describe(at: offset)
    }

    /// A syntax error `expected <expected>, found <the byte at offset>` with hints for common mistakes, as the
    /// parser reports them; positions are relative to `bytes`.
    package static func unexpected(
        _ expected: String, at offset: Int, in bytes: UnsafeRawBufferPointer, isFinal: Bool
    ) -> JSONSyntaxError {
        JSONScanner(bytes, isFinal: isFinal).unexpected(expected, at: offset)
    }
}

extension JSONScanner {
    /// Checks that only whitespace follows.
    mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index == count else { throw unexpected("end of input after the JSON value", at: index) }
    }
}

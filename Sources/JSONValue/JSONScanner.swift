/// The byte-level scanner: whitespace, strings, numbers, literals, nesting, and error construction. The grammar
/// that puts them together (`scanValue`) hands what it recognises to a consumer: `JSONValueBuilder` or
/// `JSONValidator`.
///
/// Works on raw UTF-8 bytes; never decodes `Character`s. When `isFinal` is false the input may continue past
/// `count`, and running out of bytes in the middle of a token throws an error with `needsMoreInput` set instead
/// of a syntax error.
struct JSONScanner {
    /// The input; a dangling but never dereferenced address when `count` is 0.
    let base: UnsafePointer<UInt8>
    /// The number of input bytes.
    let count: Int
    /// Whether the input ends at `count` (false: more bytes may follow).
    let isFinal: Bool
    /// The next byte to look at.
    var index = 0
    /// The number of arrays and objects currently open.
    var depth = 0

    init(_ bytes: UnsafeRawBufferPointer, isFinal: Bool) {
        if let address = bytes.baseAddress {
            base = address.assumingMemoryBound(to: UInt8.self)
        } else {
            base = UnsafePointer(bitPattern: 1)!
        }
        count = bytes.count
        self.isFinal = isFinal
    }

    // MARK: - Errors (built out of line by `JSONInput`)

    /// The input's error-reporting view.
    @inline(__always)
    var input: JSONInput { JSONInput(base: base, count: count, isFinal: isFinal) }

    @inline(__always)
    func failure(_ message: String, at offset: Int) -> JSONSyntaxError { input.failure(message, at: offset) }

    @inline(__always)
    func endOfInput(expecting expected: String) -> JSONSyntaxError { input.endOfInput(expecting: expected) }

    @inline(__always)
    func unexpected(_ expected: String, at offset: Int) -> JSONSyntaxError { input.unexpected(expected, at: offset) }

    @inline(__always)
    func trailingComma(expected: String, closer: Character, at offset: Int) -> JSONSyntaxError {
        input.trailingComma(expected: expected, closer: closer, at: offset)
    }

    @inline(__always)
    func duplicateKey(_ key: String, at offset: Int) -> JSONSyntaxError { input.duplicateKey(key, at: offset) }

    /// `duplicate key "<key>"` for a scanned key at `offset`.
    @inline(never)
    func duplicateKey(_ key: StringSpan, at offset: Int) -> JSONSyntaxError {
        input.duplicateKey(makeString(key), at: offset)
    }

    @inline(__always)
    func describe(at offset: Int) -> String { input.describe(at: offset) }

    @inline(__always)
    func describeEscaped(at offset: Int) -> String { input.describeEscaped(at: offset) }

    @inline(__always)
    func escapeAdvice(for byte: UInt8) -> String { input.escapeAdvice(for: byte) }

    // MARK: - Whitespace

    @inline(__always)
    mutating func skipWhitespace() {
        while index < count {
            let byte = base[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            index += 1
        }
    }

    // MARK: - Literals

    /// Matches `true`, `false` or `null` at `index` and moves past it.
    @inline(never)
    mutating func matchLiteral(_ word: StaticString) throws(JSONSyntaxError) {
        let letters = word.utf8Start
        let length = word.utf8CodeUnitCount
        for offset in 0..<length {
            let at = index + offset
            let expected = "'\(word)'"
            guard at < count else { throw endOfInput(expecting: expected) }
            guard base[at] == letters[offset] else {
                throw failure("invalid literal: expected \(expected), found \(describe(at: at))", at: at)
            }
        }
        index += length
    }

    // MARK: - Numbers

    /// Scans a number at `index`, moves past it and returns its start offset.
    @inline(never)
    mutating func scanNumber() throws(JSONSyntaxError) -> Int {
        let start = index
        var at = index
        if base[at] == UInt8(ascii: "-") {
            at += 1
            guard at < count else { throw endOfInput(expecting: "a digit after '-'") }
            guard isDigit(base[at]) else { throw unexpected("a digit after '-'", at: at) }
        }
        if base[at] == UInt8(ascii: "0") {
            at += 1
            if at < count && isDigit(base[at]) {
                throw failure("leading zeros are not allowed in numbers", at: at - 1)
            }
        } else {
            at += 1
            while at < count && isDigit(base[at]) { at += 1 }
        }
        if at < count && base[at] == UInt8(ascii: ".") {
            at += 1
            guard at < count else { throw endOfInput(expecting: "a digit after '.' in number") }
            guard isDigit(base[at]) else { throw unexpected("a digit after '.' in number", at: at) }
            while at < count && isDigit(base[at]) { at += 1 }
        }
        if at < count && (base[at] | 0x20) == UInt8(ascii: "e") {
            at += 1
            if at < count && (base[at] == UInt8(ascii: "+") || base[at] == UInt8(ascii: "-")) { at += 1 }
            guard at < count else { throw endOfInput(expecting: "a digit in the number's exponent") }
            guard isDigit(base[at]) else { throw unexpected("a digit in the number's exponent", at: at) }
            while at < count && isDigit(base[at]) { at += 1 }
        }
        if at == count && !isFinal { throw endOfInput(expecting: "the rest of the number") }
        index = at
        return start
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    // MARK: - Strings

    /// The content of a scanned string: bytes `start..<end` between the quotes, and whether it has escapes.
    struct StringSpan {
        var start: Int
        var end: Int
        var hasEscapes: Bool
    }

    /// Scans and fully checks the string whose opening quote is at `index` (escapes, surrogate pairs, UTF-8),
    /// and moves past its closing quote.
    @inline(never)
    mutating func scanString() throws(JSONSyntaxError) -> StringSpan {
        let open = index
        var at = index + 1
        var hasEscapes = false
        while true {
            while at < count {
                let byte = base[at]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
                at += 1
            }
            guard at < count else {
                if !isFinal { throw endOfInput(expecting: "'\"'") }
                throw failure(
                    "unterminated string: expected '\"' to close the string before the end of input", at: open)
            }
            let byte = base[at]
            if byte == UInt8(ascii: "\"") {
                index = at + 1
                return StringSpan(start: open + 1, end: at, hasEscapes: hasEscapes)
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                at = try scanEscape(at: at)
            } else if byte < 0x20 {
                throw failure("\(describe(at: at)) in string; write it as \(escapeAdvice(for: byte))", at: at)
            } else {
                at = try scanUTF8Sequence(at: at)
            }
        }
    }

    /// Checks the escape whose backslash is at `at`; returns the offset after it.
    private func scanEscape(at: Int) throws(JSONSyntaxError) -> Int {
        guard at + 1 < count else { throw endOfInput(expecting: "an escape character after '\\'") }
        switch base[at + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return at + 2
        case UInt8(ascii: "u"):
            let unit = try hexUnit(at: at + 2)
            if unit >= 0xDC00 && unit <= 0xDFFF {
                throw failure(
                    "lone low surrogate \\u\(hex4(unit)) in string: it must follow a high surrogate (\\uD800-\\uDBFF)",
                    at: at)
            }
            guard unit >= 0xD800 && unit <= 0xDBFF else { return at + 6 }
            let lowAdvice = "a low surrogate escape (\\uDC00-\\uDFFF) after high surrogate \\u\(hex4(unit))"
            let lone = "lone high surrogate \\u\(hex4(unit)) in string: expected \(lowAdvice)"
            guard at + 6 < count else { throw endOfInput(expecting: lowAdvice) }
            guard base[at + 6] == UInt8(ascii: "\\") else { throw failure(lone, at: at) }
            guard at + 7 < count else { throw endOfInput(expecting: lowAdvice) }
            guard base[at + 7] == UInt8(ascii: "u") else { throw failure(lone, at: at) }
            let low = try hexUnit(at: at + 8)
            guard low >= 0xDC00 && low <= 0xDFFF else { throw failure(lone, at: at) }
            return at + 12
        default:
            throw failure(
                "invalid escape '\\\(describeEscaped(at: at + 1))' in string; valid escapes are "
                    + "\\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
                at: at)
        }
    }

    /// Reads the four hex digits at `at`.
    private func hexUnit(at: Int) throws(JSONSyntaxError) -> UInt32 {
        var unit: UInt32 = 0
        for offset in 0..<4 {
            guard at + offset < count else { throw endOfInput(expecting: "4 hex digits after '\\u'") }
            guard let digit = hexValue(base[at + offset]) else {
                throw failure("expected 4 hex digits after '\\u', found \(describe(at: at + offset))", at: at + offset)
            }
            unit = unit << 4 | digit
        }
        return unit
    }

    @inline(__always)
    func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte &- UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte &- UInt8(ascii: "a") &+ 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte &- UInt8(ascii: "A") &+ 10)
        default: nil
        }
    }

    /// Checks the multi-byte UTF-8 sequence whose lead byte is at `at` (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF); returns the offset after it.
    private func scanUTF8Sequence(at: Int) throws(JSONSyntaxError) -> Int {
        let lead = base[at]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw invalidUTF8(at: at)
        }
        for offset in 1..<length {
            guard at + offset < count else {
                if !isFinal { throw endOfInput(expecting: "the rest of a UTF-8 sequence") }
                throw invalidUTF8(at: at)
            }
            let byte = base[at + offset]
            guard byte >= low && byte <= high else { throw invalidUTF8(at: at) }
            low = 0x80
            high = 0xBF
        }
        return at + length
    }

    private func invalidUTF8(at: Int) -> JSONSyntaxError {
        failure("invalid UTF-8 byte 0x\(hex2(base[at])) in string; JSON text must be UTF-8", at: at)
    }

    /// Builds the `String` for a scanned span.
    @inline(never)
    func makeString(_ span: StringSpan) -> String {
        let length = span.end - span.start
        if !span.hasEscapes {
            return String(decoding: UnsafeBufferPointer(start: base + span.start, count: length), as: UTF8.self)
        }
        // Decoding never makes the text longer: every escape is at least as long as the UTF-8 it stands for.
        return String(unsafeUninitializedCapacity: length) { output in
            var written = 0
            var at = span.start
            while at < span.end {
                let byte = base[at]
                if byte != UInt8(ascii: "\\") {
                    output[written] = byte
                    written += 1
                    at += 1
                    continue
                }
                let (scalar, escapeLength) = decodeEscape(at: at)
                at += escapeLength
                written += encodeUTF8(scalar, into: output.baseAddress! + written)
            }
            return written
        }
    }

    /// Decodes the already-checked escape at `at` (a backslash); returns the scalar and the escape's length.
    func decodeEscape(at: Int) -> (scalar: UInt32, length: Int) {
        switch base[at + 1] {
        case UInt8(ascii: "b"): return (0x08, 2)
        case UInt8(ascii: "f"): return (0x0C, 2)
        case UInt8(ascii: "n"): return (0x0A, 2)
        case UInt8(ascii: "r"): return (0x0D, 2)
        case UInt8(ascii: "t"): return (0x09, 2)
        case UInt8(ascii: "u"):
            let unit = checkedHex(at: at + 2)
            guard unit >= 0xD800 && unit <= 0xDBFF else { return (unit, 6) }
            let low = checkedHex(at: at + 8)
            return (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
        default: return (UInt32(base[at + 1]), 2)
        }
    }

    private func checkedHex(at: Int) -> UInt32 {
        var unit: UInt32 = 0
        for offset in 0..<4 { unit = unit << 4 | (hexValue(base[at + offset]) ?? 0) }
        return unit
    }

    /// Writes `scalar` as UTF-8 at `output`; returns the number of bytes written (1 to 4).
    func encodeUTF8(_ scalar: UInt32, into output: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            output[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            output[0] = UInt8(0xC0 | scalar >> 6)
            output[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            output[0] = UInt8(0xE0 | scalar >> 12)
            output[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            output[0] = UInt8(0xF0 | scalar >> 18)
            output[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            output[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            output[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    // MARK: - Nesting

    @inline(never)
    private func tooDeep() -> JSONSyntaxError {
        failure("arrays and objects are nested more than \(JSONParser.maximumDepth) levels deep", at: index)
    }

    /// Enters the array or object whose bracket is at `index` and skips the whitespace after the bracket. An empty
    /// one (`closer` comes next) is left again at once: returns `true` with `index` past `closer`.
    @inline(__always)
    mutating func enterContainer(closer: UInt8, expecting expected: String) throws(JSONSyntaxError) -> Bool {
        depth += 1
        guard depth <= JSONParser.maximumDepth else { throw tooDeep() }
        index += 1
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: expected) }
        guard base[index] == closer else { return false }
        index += 1
        depth -= 1
        return true
    }

    /// After an array element or object member (and optional whitespace): moves past the `,` that continues the
    /// container (returns `false`) or past `closer`, which ends it (returns `true` and leaves the container).
    @inline(__always)
    mutating func isClosed(by closer: UInt8, expecting expected: String) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: expected) }
        let byte = base[index]
        index += 1
        if byte == closer {
            depth -= 1
            return true
        }
        guard byte == UInt8(ascii: ",") else { throw unexpected(expected, at: index - 1) }
        return false
    }
}

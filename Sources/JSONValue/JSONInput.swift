/// The input as error messages need it: three words, so that it is passed in registers and the recursive
/// parsing functions that build errors keep small stack frames.
struct JSONInput {
    /// The input; a dangling but never dereferenced address when `count` is 0.
    let base: UnsafePointer<UInt8>
    /// The number of input bytes.
    let count: Int
    /// Whether the input ends at `count`.
    let isFinal: Bool
}

extension JSONInput {
    // Error construction is kept out of line (`@inline(never)`) so that the recursive parsing functions keep
    // small stack frames: nesting depth times frame size is what bounds stack use.

    /// A syntax error at byte `offset` with the line and column worked out from the start of the input.
    @inline(never)
    func failure(_ message: String, at offset: Int) -> JSONSyntaxError {
        let position = JSONTextPosition.of(
            offset: offset, in: UnsafeRawBufferPointer(start: UnsafeRawPointer(base), count: count))
        return JSONSyntaxError(message: message, offset: offset, line: position.line, column: position.column)
    }

    /// The input ended where `expected` should come: a syntax error for final input, otherwise an error that
    /// asks for more input.
    @inline(never)
    func endOfInput(expecting expected: String) -> JSONSyntaxError {
        guard isFinal else {
            return JSONSyntaxError(
                message: "expected \(expected), found end of input", offset: count, line: 0, column: 0,
                needsMoreInput: true)
        }
        return failure("expected \(expected), found end of input", at: count)
    }

    /// `expected <expected>, found <what is at offset>`, with a hint for common mistakes.
    @inline(never)
    func unexpected(_ expected: String, at offset: Int) -> JSONSyntaxError {
        guard offset < count else { return endOfInput(expecting: expected) }
        return failure("expected \(expected), found \(describe(at: offset))\(hint(at: offset))", at: offset)
    }

    /// A hint for a byte that commonly starts a mistake.
    private func hint(at offset: Int) -> String {
        switch base[offset] {
        case UInt8(ascii: "/"): " (comments are not allowed in JSON)"
        case UInt8(ascii: "'"): " (JSON strings use double quotes)"
        case UInt8(ascii: "N"), UInt8(ascii: "I"): " (NaN and Infinity are not valid JSON numbers)"
        default: ""
        }
    }

    /// `duplicate key "<key>"` at `offset`.
    @inline(never)
    func duplicateKey(_ key: String, at offset: Int) -> JSONSyntaxError {
        failure("duplicate key \(quoted(key))", at: offset)
    }

    /// A trailing comma before `closer` (`]` or `}`) at `offset`.
    @inline(never)
    func trailingComma(expected: String, closer: Character, at offset: Int) -> JSONSyntaxError {
        failure("expected \(expected) after ',', found '\(closer)' (trailing commas are not allowed)", at: offset)
    }

    /// What the byte at `offset` is, for messages: `'x'`, `'é'`, `newline`, `control character U+0001`,
    /// `byte 0xFF (invalid UTF-8)` or `end of input`.
    func describe(at offset: Int) -> String {
        guard offset < count else { return "end of input" }
        let byte = base[offset]
        switch byte {
        case 0x0A: return "newline"
        case 0x0D: return "carriage return"
        case 0x09: return "tab"
        case 0x20: return "space"
        case 0x00..<0x20, 0x7F: return "control character U+00\(hex2(byte))"
        case 0x21..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            if let scalar = scalarAt(offset) { return "'\(Character(scalar))' (U+\(hex4(scalar.value)))" }
            return "byte 0x\(hex2(byte)) (invalid UTF-8)"
        }
    }

    /// The character after a backslash in an invalid escape, for messages.
    func describeEscaped(at offset: Int) -> String {
        guard offset < count else { return "" }
        let byte = base[offset]
        if byte > 0x20 && byte < 0x7F { return String(Character(Unicode.Scalar(byte))) }
        if let scalar = scalarAt(offset), byte >= 0x80 { return String(Character(scalar)) }
        return "\\u00\(hex2(byte))"
    }

    /// The valid UTF-8 scalar starting at `offset`, if there is one.
    private func scalarAt(_ offset: Int) -> Unicode.Scalar? {
        var iterator = UnsafeBufferPointer(start: base + offset, count: min(4, count - offset)).makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        return nil
    }

    /// How to write a control character inside a JSON string.
    func escapeAdvice(for byte: UInt8) -> String {
        switch byte {
        case 0x0A: "\\n"
        case 0x0D: "\\r"
        case 0x09: "\\t"
        case 0x08: "\\b"
        case 0x0C: "\\f"
        default: "\\u00\(hex2(byte))"
        }
    }
}

/// Two uppercase hex digits.
func hex2(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
}

/// Four (or more, for larger values) uppercase hex digits.
func hex4(_ value: UInt32) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - text.utf8.count)) + text
}

/// A JSON number, kept as the literal text it was written with so that every number round-trips unchanged
/// (`12345678901234567890`, `1.50`, `-0`, `1e3`).
///
/// Equality and hashing compare the text: `1.0` and `1` are different numbers here. Values are immutable and
/// `Sendable`.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The validated JSON number literal exactly as written.
    public let text: String

    /// Creates a number from JSON number text; `nil` unless `text` is exactly one valid JSON number
    /// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, no surrounding whitespace).
    public init?(text: String) {
        var copy = text
        let valid = copy.withUTF8 { bytes in
            JSONNumber.syntaxLength(bytes) == bytes.count && !bytes.isEmpty
        }
        guard valid else { return nil }
        self.text = copy
    }

    /// Creates a number from text the parser has already validated.
    init(validatedText: String) {
        self.text = validatedText
    }

    /// Creates an integer number.
    public init(_ value: Int) {
        self.text = String(value)
    }

    /// Creates a number from a finite `Double`, written in the shortest text that reads back as the same value
    /// (`0.1`, `1e-05`, `1e+16`, `-0.0`).
    ///
    /// - Precondition: `value.isFinite` (JSON has no NaN or infinity).
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON numbers must be finite, got \(value)")
        self.text = value.description
    }

    /// The value as an `Int` when the text is an integer literal (`3`, `-7`, `-0`) that fits in `Int`;
    /// `nil` otherwise, including for integral values written with a fraction or exponent (`3.0`, `1e3`).
    public var intValue: Int? {
        var copy = text
        return copy.withUTF8 { bytes -> Int? in
            var index = 0
            let negative = bytes[0] == UInt8(ascii: "-")
            if negative { index = 1 }
            var result = 0
            while index < bytes.count {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
                let (next, overflow2) =
                    negative
                    ? shifted.subtractingReportingOverflow(Int(digit))
                    : shifted.addingReportingOverflow(Int(digit))
                guard !overflow1, !overflow2 else { return nil }
                result = next
                index += 1
            }
            return result
        }
    }

    /// Whether the text is an integer literal: no fraction and no exponent, of any size.
    public var isIntegerLiteral: Bool {
        var copy = text
        return copy.withUTF8 { bytes in
            for byte in bytes where byte == UInt8(ascii: ".") || byte | 0x20 == UInt8(ascii: "e") { return false }
            return true
        }
    }

    /// The value as the nearest `Double` (huge magnitudes become infinity, tiny ones zero).
    public var doubleValue: Double {
        // The text is valid JSON number syntax, which the standard library's parser always accepts.
        Double(text) ?? .nan
    }

    /// The literal text.
    public var description: String { text }

    /// The length of the longest prefix of `bytes` that is a JSON number, or 0 if none is; a prefix that stops
    /// at an invalid place (`1.`, `-`, `1e+`) also gives 0.
    static func syntaxLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let count = bytes.count
        var index = 0
        func isDigit(_ at: Int) -> Bool { at < count && bytes[at] &- UInt8(ascii: "0") < 10 }
        if index < count && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { return 0 }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return 0 }
            while isDigit(index) { index += 1 }
        }
        if index < count && (bytes[index] | 0x20) == UInt8(ascii: "e") {
            index += 1
            if index < count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard isDigit(index) else { return 0 }
            while isDigit(index) { index += 1 }
        }
        return index
    }
}
